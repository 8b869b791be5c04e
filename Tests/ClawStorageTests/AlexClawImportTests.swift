import Foundation
import Testing
@testable import ClawStorage

@Suite("AlexClaw import")
struct AlexClawImportTests {
    /// AlexClaw's table shapes (priv/repo/migrations of thatsme/AlexClaw: settings + sensitive,
    /// auth_policies, workflows, workflow_steps with input_from and routes).
    static let schema = [
        """
        CREATE TABLE settings (id bigserial PRIMARY KEY, key varchar(255) NOT NULL UNIQUE, value text NOT NULL,
            type varchar(255) NOT NULL DEFAULT 'string', description text, category varchar(255) DEFAULT 'general',
            sensitive boolean NOT NULL DEFAULT false, inserted_at timestamp(0) NOT NULL DEFAULT now(),
            updated_at timestamp(0) NOT NULL DEFAULT now())
        """,
        """
        CREATE TABLE auth_policies (id bigserial PRIMARY KEY, name varchar(255) NOT NULL, description text,
            rule_type varchar(255) NOT NULL, config jsonb NOT NULL DEFAULT '{}', enabled boolean DEFAULT true,
            priority integer DEFAULT 0, inserted_at timestamp(0) NOT NULL DEFAULT now(), updated_at timestamp(0) NOT NULL DEFAULT now())
        """,
        """
        CREATE TABLE workflows (id bigserial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE, description varchar(255),
            enabled boolean DEFAULT true, schedule varchar(255), metadata jsonb DEFAULT '{}', default_provider varchar(255),
            node varchar(255), inserted_at timestamp(0) NOT NULL DEFAULT now(), updated_at timestamp(0) NOT NULL DEFAULT now())
        """,
        """
        CREATE TABLE workflow_steps (id bigserial PRIMARY KEY, workflow_id bigint NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
            position integer NOT NULL, name varchar(255) NOT NULL, skill varchar(255) NOT NULL, llm_tier varchar(255),
            llm_model varchar(255), prompt_template text, config jsonb DEFAULT '{}', input_from integer, routes jsonb DEFAULT '[]',
            inserted_at timestamp(0) NOT NULL DEFAULT now(), updated_at timestamp(0) NOT NULL DEFAULT now(),
            UNIQUE (workflow_id, position))
        """,
    ]

    @Test("Settings (enc: values re-sealed), policies and workflows come across; what does not validate is skipped with a reason", arguments: Backend.allCases)
    func importsAlexClaw(_ backend: Backend) async throws {
        let alexSecret = String(repeating: "A", count: 64)
        let alexRing = try KeyRing(secretKeyBase: alexSecret)
        try await TestDatabase.withLocation(.postgres) { source in
            guard case .postgres(let sourceLocation) = source.location else { return }
            let driver = try PostgresDriver(location: sourceLocation, maximumConnections: 1)
            for statement in Self.schema { try await driver.execute(statement) }
            let sealed = try SecretBox(keyRing: alexRing).sealAlexClaw("123456:telegram-token")
            try await driver.execute(
                """
                INSERT INTO settings (key, value, type, sensitive) VALUES
                  ('telegram.bot_token', ?, 'string', true), ('telegram.chat_id', '-100123', 'string', false),
                  ('llm.anthropic_api_key', '', 'string', true), ('Bad Key!', 'x', 'string', false)
                """, [.text(sealed)])
            try await driver.execute(
                """
                INSERT INTO auth_policies (name, rule_type, config, enabled, priority) VALUES
                  ('web-limit', 'rate_limit', '{"permission": "web_read", "max_calls": 10, "window_seconds": 60}', true, 5),
                  ('broken', 'rate_limit', '{"calls": 10}', true, 1)
                """)
            try await driver.execute(
                """
                INSERT INTO workflows (id, name, enabled, schedule) VALUES (1, 'morning', true, '0 7 * * *'), (2, 'secretive', true, NULL),
                  (3, 'routed', false, NULL)
                """)
            try await driver.execute(
                """
                INSERT INTO workflow_steps (workflow_id, position, name, skill, config, input_from, prompt_template, routes) VALUES
                  (1, 0, 'fetch', 'rss_fetch', '{"url": "https://example.com/feed"}', NULL, NULL, '[]'),
                  (1, 1, 'summarize', 'llm', '{}', 0, 'Summarize: {{input}}', '[]'),
                  (2, 0, 'call', 'api_request', ?::jsonb, NULL, NULL, '[]'),
                  (3, 0, 'branch', 'llm', '{}', NULL, NULL, '[{"when": "x", "goto": 2}]')
                """, [.text(#"{"token": "\#(try SecretBox(keyRing: alexRing).sealAlexClaw("ghp_x"))"}"#)])
            await driver.close()

            try await TestDatabase.with(backend) { database, _ in
                let report = try await AlexClawImport.run(
                    from: sourceLocation, alexClawKeyRing: alexRing, into: database, keyRing: TestDatabase.keyRing)
                #expect(report.settings == 2 && report.sensitiveSettings == 1)
                #expect(report.policies == 1 && report.workflows == 1)
                let skipped = Set(report.skipped.map { "\($0.kind):\($0.name)" })
                #expect(skipped == ["setting:Bad Key!", "setting:llm.anthropic_api_key", "policy:broken", "workflow:secretive", "workflow:routed"])
                #expect(!report.skipped.contains { $0.reason.contains("ghp_x") || $0.reason.contains("telegram-token") })
                let settings = database.settings(keyRing: TestDatabase.keyRing)
                let audit = AuditLog(store: InMemoryAuditStore(), keyRing: TestDatabase.keyRing)
                #expect(try await settings.reveal(.telegramBotToken, purpose: "import check", audit: audit) == "123456:telegram-token")
                let stored = try await database.driver.query("SELECT value FROM claw_settings WHERE name = 'telegram.bot_token'")
                #expect(try stored[0].text(0).hasPrefix("claw:v1:"))
                #expect(try await settings.value(for: .telegramChatID) == "-100123")
                #expect(try await database.policies.rule(id: "web-limit")?.priority == 5)
                let morning = try #require(try await database.workflows.workflow(named: "morning"))
                #expect(morning.steps.map(\.name) == ["fetch", "summarize"])
                #expect(morning.steps[1].inputFrom == "fetch")
                #expect(morning.steps[1].config.objectValue?["prompt_template"] == .string("Summarize: {{input}}"))
                // A wrong AlexClaw secret opens nothing and says so.
                try await TestDatabase.with(backend) { (other: ClawDatabase, _: TestDatabase) async throws in
                    let wrong = try await AlexClawImport.run(
                        from: sourceLocation, alexClawKeyRing: try KeyRing(secretKeyBase: String(repeating: "B", count: 64)),
                        into: other, keyRing: TestDatabase.keyRing)
                    #expect(wrong.skipped.contains { $0.name == "telegram.bot_token" && $0.reason.contains("does not open") })
                }
            }
        }
    }

    @Test("A database without AlexClaw's tables is refused")
    func notAlexClaw() async throws {
        try await TestDatabase.withLocation(.postgres) { source in
            guard case .postgres(let location) = source.location else { return }
            try await TestDatabase.with(.sqlite) { database, _ in
                let error = await #expect(throws: StorageError.importFailed) {
                    try await AlexClawImport.run(from: location, alexClawKeyRing: TestDatabase.keyRing, into: database, keyRing: TestDatabase.keyRing)
                }
                #expect(error?.reason.contains("AlexClaw") == true)
            }
        }
    }
}
