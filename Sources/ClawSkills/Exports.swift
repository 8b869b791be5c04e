@_exported import ClawSecurity
@_exported import ClawWorkflow
