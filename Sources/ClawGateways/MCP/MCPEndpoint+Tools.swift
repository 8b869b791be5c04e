import Foundation

extension MCPEndpoint {
    /// The tools this caller's token may use: `skill:<name>` for every registered skill, `workflow:<name>`
    /// for every enabled workflow, and `claw_sanitize`.
    func toolList(_ caller: Caller) async -> [JSONValue] {
        var tools = [JSONValue]()
        let anyInput: JSONValue = ["type": "object", "additionalProperties": true]
        for descriptor in registry.list() {
            tools.append([
                "name": .string("skill:" + descriptor.name),
                "description": .string("Run Claw's '\(descriptor.name)' skill (v\(descriptor.version))\(descriptor.isExternal ? "; its output is sanitized" : "")\(descriptor.requiresApproval ? "; needs a 2FA approval" : ""). The arguments are its input."),
                "inputSchema": anyInput,
            ])
        }
        for workflow in (try? await database?.workflows.enabled()) ?? [] {
            tools.append([
                "name": .string("workflow:" + workflow.name),
                "description": .string("Run Claw's '\(workflow.name)' workflow (\(workflow.steps.count) steps). The arguments are its input."),
                "inputSchema": anyInput,
            ])
        }
        tools.append([
            "name": .string(Self.sanitizeTool),
            "description": "Remove hidden content and prompt injections from an untrusted document (text or html) or JSON value before a model reads it. Returns the clean text (or JSON) and what was removed.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "text": ["type": "string", "description": "The document"],
                    "kind": ["type": "string", "enum": ["auto", "html", "text"]],
                    "json": ["description": "A JSON value to sanitize instead of text"],
                ],
            ],
        ])
        return tools.filter { tool in
            guard let name = tool.objectValue?["name"]?.stringValue else { return false }
            return (try? tokens.verify(caller.token, permission: MCPTokens.readPermission, tool: name)) != nil
        }
    }

    func callTool(id: JSONValue, params: [String: JSONValue], caller: Caller) async -> JSONValue {
        guard let name = params["name"]?.stringValue, !name.isEmpty, name.utf8.count <= 256 else {
            return JSONRPC.error(id: id, code: JSONRPC.invalidParams, message: "tools/call needs a tool name")
        }
        let arguments = params["arguments"] ?? .object([:])
        let context = AuthContext(
            caller: caller.tokenID, callerType: .mcp, permission: MCPTokens.callPermission, tool: name, timestamp: wallClock.now())
        // 1. The token's caveats: the permission to call, and this tool.
        do throws(ClawSecurityError) {
            _ = try tokens.verify(caller.token, permission: MCPTokens.callPermission, tool: name)
        } catch {
            _ = try? await audit.record(event: "mcp.tools_call", outcome: "deny", reason: "token: \(error.reason)", context: context.auditJSON)
            return JSONRPC.error(id: id, code: JSONRPC.forbidden, message: "the token does not allow calling '\(name)'")
        }
        // 2. The policy engine.
        let decision = policy.evaluate(context)
        guard decision.isAllowed else {
            _ = try? await audit.record(
                event: "mcp.tools_call", outcome: "deny", reason: decision.reason, ruleID: decision.ruleID, context: context.auditJSON)
            return JSONRPC.result(id: id, Self.toolError("denied by policy: \(decision.reason)"))
        }
        // 3. Audited before it runs; no audit, no call.
        do {
            try await audit.record(event: "mcp.tools_call", outcome: "allow", reason: decision.reason, ruleID: decision.ruleID, context: context.auditJSON)
        } catch {
            return JSONRPC.result(id: id, Self.toolError("refused: the audit log cannot be written"))
        }
        // 4. The one path: token, breaker, timeout, sanitizing, approval.
        let trigger = Trigger(callerType: .mcp, identity: caller.tokenID)
        do {
            let output: JSONValue
            if name.hasPrefix("skill:") {
                output = try await runtime.run(skill: String(name.dropFirst(6)), input: arguments, trigger: trigger)
            } else if name.hasPrefix("workflow:") {
                let workflowName = String(name.dropFirst(9))
                guard let workflow = try await database?.workflows.workflow(named: workflowName), workflow.enabled else {
                    return JSONRPC.result(id: id, Self.toolError("no enabled workflow named '\(workflowName)'"))
                }
                let record = try await executor.run(workflow, input: arguments, trigger: trigger)
                guard record.status == .succeeded else {
                    return JSONRPC.result(id: id, Self.toolError("the run \(record.id) \(record.status.rawValue): \(record.error ?? "")"))
                }
                output = ["run": .string(record.id), "output": record.output ?? .null]
            } else if name == Self.sanitizeTool {
                output = sanitize(arguments)
            } else {
                return JSONRPC.result(id: id, Self.toolError("unknown tool '\(name)'"))
            }
            return JSONRPC.result(id: id, Self.toolResult(output))
        } catch let error as WorkflowError {
            return JSONRPC.result(id: id, Self.toolError(error.reason))
        } catch let error as AuthorizationDenied {
            return JSONRPC.result(id: id, Self.toolError("denied: \(error.reason)"))
        } catch {
            return JSONRPC.result(id: id, Self.toolError("the tool failed"))
        }
    }

    func sanitize(_ arguments: JSONValue) -> JSONValue {
        let object = arguments.objectValue ?? [:]
        if let json = object["json"] {
            let result = sanitizer.sanitize(json: json)
            return ["json": result.value, "removals": .int(Int64(result.report.removals.count + result.report.unlistedRemovals))]
        }
        let kind: ContentKind = switch object["kind"]?.stringValue {
        case "html": .html
        case "text": .text
        default: .auto
        }
        let report = sanitizer.sanitize(object["text"]?.stringValue ?? "", kind: kind)
        return [
            "text": .string(report.text),
            "removals": .array(report.removals.prefix(100).map { ["layer": .string($0.layer.name), "reason": .string($0.reason)] }),
        ]
    }

    static func toolResult(_ output: JSONValue) -> JSONValue {
        let text = output.stringValue ?? output.canonicalText
        return ["content": [["type": "text", "text": .string(text)]], "isError": false]
    }

    static func toolError(_ message: String) -> JSONValue {
        ["content": [["type": "text", "text": .string(message)]], "isError": true]
    }

    func readResource(id: JSONValue, params: [String: JSONValue]) async -> JSONValue {
        guard let uri = params["uri"]?.stringValue, let resource = MCPResources.list.first(where: { $0.uri == uri }) else {
            return JSONRPC.error(id: id, code: JSONRPC.invalidParams, message: "unknown resource")
        }
        guard let database else { return JSONRPC.error(id: id, code: JSONRPC.internalError, message: "no state database") }
        let content: JSONValue
        do {
            switch resource.uri {
            case MCPResources.workflows.uri:
                content = .array(try await database.workflows.all().map(\.json))
            case MCPResources.runs.uri:
                content = .array(try await database.runs.recent(limit: 50).map(\.json))
            default:
                // Sensitive values never leave in plaintext: the store lists them redacted.
                content = .array(try await database.settings(keyRing: keyRing).all().map { setting in
                    ["name": .string(setting.name), "value": .string(setting.displayValue), "sensitive": .bool(setting.isSensitive)]
                })
            }
        } catch {
            return JSONRPC.error(id: id, code: JSONRPC.internalError, message: "the resource cannot be read")
        }
        return JSONRPC.result(id: id, ["contents": [["uri": .string(uri), "mimeType": "application/json", "text": .string(content.canonicalText)]]])
    }
}

/// The resources `/mcp` offers.
struct MCPResources {
    let uri: String
    let name: String
    let description: String

    static let workflows = MCPResources(uri: "claw://workflows", name: "workflows", description: "Every workflow definition")
    static let runs = MCPResources(uri: "claw://runs", name: "runs", description: "The 50 most recent workflow runs")
    static let settings = MCPResources(uri: "claw://settings", name: "settings", description: "Settings, every sensitive value redacted")
    static let list = [workflows, runs, settings]

    var json: JSONValue {
        ["uri": .string(uri), "name": .string(name), "description": .string(description), "mimeType": "application/json"]
    }
}
