// Re-exporting the layers below lets a user depend on this product alone, as the layering intends.
@_exported import ClawSecurity
@_exported import ClawStorage
@_exported import ClawWorkflow
