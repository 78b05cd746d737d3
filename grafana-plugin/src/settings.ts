/**
 * The app's settings in Grafana. Names match provisioning/plugins/vigil-admin-app.yaml and the
 * `{{ .JsonData.ingestUrl }}` / `{{ .SecureJsonData.sharedSecret }}` templates of plugin.json's routes.
 */
export type AppSettings = { ingestUrl?: string };

/** Write-only: Grafana keeps it encrypted and only says whether it is set (`secureJsonFields`). */
export type SecureAppSettings = { sharedSecret?: string };
