// ClawGateways has no types of its own yet: later issues build it.
// Re-exporting ClawSecurity lets a user depend on this product alone, as the layering intends.
@_exported import ClawSecurity
