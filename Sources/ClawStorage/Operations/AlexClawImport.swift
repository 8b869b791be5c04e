/// Imports an AlexClaw PostgreSQL database's settings, policies and workflows.
///
/// AlexClaw's `enc:` values (AES-256-GCM under HKDF-SHA256 of its SECRET_KEY_BASE with the label
/// `AlexClaw.Config.Crypto`) are opened with AlexClaw's secret and sealed again in Claw's layout, bound to
/// the setting's name. Rules and workflows pass Claw's strict validation or are skipped with the reason;
/// nothing that fails validation is imported half-way. Re-running the import replaces what it wrote
/// before (upserts by name).
///
/// Tables read: `settings (key, value, sensitive)`, `auth_policies (name, rule_type, config, enabled,
/// priority)`, `workflows (id, name, enabled, schedule)` and `workflow_steps (workflow_id, position, name,
/// skill, config, input_from, routes, prompt_template, llm_tier)`; missing optional columns are tolerated.
public enum AlexClawImport {
    /// Something not imported, and why (never a value).
    public struct Skipped: Sendable, Hashable {
        /// `setting`, `policy` or `workflow`.
        public let kind: String
        /// Its name in AlexClaw.
        public let name: String
        /// Why.
        public let reason: String
    }

    /// What an import did.
    public struct Report: Sendable, Hashable {
        /// Settings imported, of which `sensitiveSettings` sealed.
        public var settings = 0
        /// Sensitive settings imported (sealed in Claw's layout).
        public var sensitiveSettings = 0
        /// Policy rules imported.
        public var policies = 0
        /// Workflows imported.
        public var workflows = 0
        /// What was left out.
        public var skipped: [Skipped] = []
    }

    /// Imports from an AlexClaw database.
    /// - Parameters:
    ///   - source: AlexClaw's PostgreSQL database.
    ///   - alexClawKeyRing: AlexClaw's SECRET_KEY_BASE, to open its `enc:` values.
    ///   - database: Claw's database.
    ///   - keyRing: Claw's key ring, to seal them again.
    /// - Throws: ``StorageError/Code/importFailed`` when the source cannot be read or lacks AlexClaw's tables.
    public static func run(
        from source: PostgresLocation, alexClawKeyRing: KeyRing, into database: ClawDatabase, keyRing: KeyRing
    ) async throws(StorageError) -> Report {
        let driver: PostgresDriver
        do {
            driver = try PostgresDriver(location: source, maximumConnections: 2)
            try await driver.probe()
        } catch {
            throw StorageError(.importFailed, error.reason)
        }
        defer { Task { await driver.close() } }
        let columns = try await tableColumns(driver)
        for table in ["settings", "auth_policies", "workflows", "workflow_steps"] where columns[table] == nil {
            throw StorageError(.importFailed, "the source has no '\(table)' table: is it an AlexClaw database?")
        }
        var report = Report()
        try await importSettings(driver, columns: columns["settings"]!, alexClaw: SecretBox(keyRing: alexClawKeyRing),
                                 into: database.settings(keyRing: keyRing), report: &report)
        try await importPolicies(driver, into: database.policies, report: &report)
        try await importWorkflows(driver, columns: columns["workflow_steps"]!, into: database.workflows, report: &report)
        return report
    }

    static func tableColumns(_ driver: PostgresDriver) async throws(StorageError) -> [String: Set<String>] {
        let rows: [SQLRow]
        do {
            rows = try await driver.query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()")
        } catch {
            throw StorageError(.importFailed, "cannot read the source's tables: \(error.reason)")
        }
        var columns = [String: Set<String>]()
        for row in rows { columns[try row.text(0), default: []].insert(try row.text(1)) }
        return columns
    }

    static func read(_ driver: PostgresDriver, _ sql: String) async throws(StorageError) -> [SQLRow] {
        do {
            return try await driver.query(sql)
        } catch {
            throw StorageError(.importFailed, "cannot read the source: \(error.reason)")
        }
    }

    static func importSettings(
        _ driver: PostgresDriver, columns: Set<String>, alexClaw: SecretBox, into settings: SettingsStore, report: inout Report
    ) async throws(StorageError) {
        let sensitive = columns.contains("sensitive") ? "COALESCE(sensitive, false)" : "false"
        for row in try await read(driver, "SELECT key::text, value::text, \(sensitive) FROM settings ORDER BY key") {
            let name = try row.text(0)
            let value = row.optionalText(1) ?? ""
            let marked = (row[2].integer ?? 0) != 0
            let key: SettingKey
            do {
                key = try SettingKey(name, sensitive: marked || value.hasPrefix("enc:"))
            } catch {
                report.skipped.append(Skipped(kind: "setting", name: String(name.prefix(128)), reason: error.reason))
                continue
            }
            var plaintext = value
            if value.hasPrefix("enc:") {
                do {
                    plaintext = try alexClaw.openString(value, name: name)
                } catch {
                    report.skipped.append(Skipped(kind: "setting", name: name, reason: "its enc: value does not open with the given AlexClaw secret (\(error.code))"))
                    continue
                }
            }
            if key.isSensitive && plaintext.isEmpty {
                report.skipped.append(Skipped(kind: "setting", name: name, reason: "empty secret"))
                continue
            }
            try await settings.set(plaintext, for: key)
            report.settings += 1
            if key.isSensitive { report.sensitiveSettings += 1 }
        }
    }

    static func importPolicies(_ driver: PostgresDriver, into policies: PolicyStore, report: inout Report) async throws(StorageError) {
        var rules = [PolicyRule]()
        let rows = try await read(
            driver, "SELECT name::text, rule_type::text, config::text, COALESCE(enabled, true), COALESCE(priority, 0) FROM auth_policies ORDER BY id")
        for row in rows {
            let name = try row.text(0)
            do {
                let config = try JSONValue(parsing: row.optionalText(2) ?? "{}")
                let json = JSONValue.object([
                    "id": .string(name), "type": .string(try row.text(1)), "priority": .int(row[4].integer ?? 0),
                    "enabled": .bool((row[3].integer ?? 1) != 0), "config": config,
                ])
                let rule = try PolicyRule(json: json)
                if rules.contains(where: { $0.id == rule.id }) {
                    report.skipped.append(Skipped(kind: "policy", name: name, reason: "a second rule with the same name"))
                    continue
                }
                rules.append(rule)
            } catch let error as ClawSecurityError {
                report.skipped.append(Skipped(kind: "policy", name: String(name.prefix(128)), reason: error.reason))
            } catch {
                report.skipped.append(Skipped(kind: "policy", name: String(name.prefix(128)), reason: "unreadable"))
            }
        }
        if !rules.isEmpty { try await policies.save(rules) }
        report.policies = rules.count
    }

    static func importWorkflows(
        _ driver: PostgresDriver, columns: Set<String>, into workflows: WorkflowStore, report: inout Report
    ) async throws(StorageError) {
        func column(_ name: String, _ type: String = "text") -> String {
            columns.contains(name) ? "\(name)::\(type)" : "NULL::\(type)"
        }
        let steps = try await read(
            driver,
            """
            SELECT workflow_id, position, name::text, skill::text, config::text, \(column("input_from", "bigint")),
                \(column("routes")), \(column("prompt_template")), \(column("llm_tier"))
            FROM workflow_steps ORDER BY workflow_id, position
            """)
        var stepsByWorkflow = [Int64: [SQLRow]]()
        for row in steps { stepsByWorkflow[try row.integer(0), default: []].append(row) }
        for row in try await read(driver, "SELECT id, name::text, COALESCE(enabled, true), schedule::text FROM workflows ORDER BY id") {
            let id = try row.integer(0)
            let name = try row.text(1)
            let rows = stepsByWorkflow[id] ?? []
            func skip(_ reason: String) { report.skipped.append(Skipped(kind: "workflow", name: String(name.prefix(128)), reason: reason)) }
            var nameAtPosition = [Int64: String]()
            for step in rows { nameAtPosition[try step.integer(1)] = try step.text(2) }
            var stepsJSON = [JSONValue]()
            var problem: String?
            for step in rows {
                let stepName = try step.text(2)
                let configText = step.optionalText(4) ?? "{}"
                if configText.contains("\"enc:") {
                    problem = "step '\(stepName)' holds encrypted configuration: store those secrets as Claw settings and re-create the step"
                    break
                }
                if let routes = step.optionalText(6), routes != "[]", !routes.isEmpty {
                    problem = "step '\(stepName)' has routes, which refer to AlexClaw positions: re-create them"
                    break
                }
                guard var config = (try? JSONValue(parsing: configText))?.objectValue else {
                    problem = "step '\(stepName)' has a configuration that is not a JSON object"
                    break
                }
                if let prompt = step.optionalText(7), config["prompt_template"] == nil { config["prompt_template"] = .string(prompt) }
                if let tier = step.optionalText(8), config["llm_tier"] == nil { config["llm_tier"] = .string(tier) }
                var object: [String: JSONValue] = ["name": .string(stepName), "skill": .string(try step.text(3)), "config": .object(config)]
                if let from = step[5].integer {
                    guard let source = nameAtPosition[from] else {
                        problem = "step '\(stepName)' takes its input from position \(from), which has no step"
                        break
                    }
                    object["input_from"] = .string(source)
                }
                stepsJSON.append(.object(object))
            }
            if let problem {
                skip(problem)
                continue
            }
            var workflow: [String: JSONValue] = ["name": .string(name), "enabled": .bool((row[2].integer ?? 1) != 0), "steps": .array(stepsJSON)]
            if let schedule = row.optionalText(3), !schedule.isEmpty { workflow["schedule"] = .string(schedule) }
            let parsed: Workflow
            do {
                parsed = try Workflow(json: .object(workflow))
            } catch {
                skip(error.reason)
                continue
            }
            try await workflows.save(parsed)
            report.workflows += 1
        }
    }
}
