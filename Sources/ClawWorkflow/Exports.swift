// ClawWorkflow builds on ClawSecurity; re-exporting it lets a user depend on this product alone.
@_exported import ClawSecurity
