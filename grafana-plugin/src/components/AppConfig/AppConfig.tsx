import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import { getMe } from '../../api/endpoints.ts';
import type { AppSettings, SecureAppSettings } from '../../settings.ts';
import { testIds } from '../testIds.ts';

export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppSettings>>;

type TestResult = { ok: boolean; text: string } | null;

/**
 * Where an org Admin points the plugin's proxy routes at the ingest: its URL (jsonData.ingestUrl) and
 * the shared secret (secureJsonData.sharedSecret, write-only). "Test connection" goes through the
 * proxy exactly as the pages do, so it tests the saved settings.
 */
export default function AppConfig({ plugin }: AppConfigProps) {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [ingestUrl, setIngestUrl] = useState(jsonData?.ingestUrl ?? '');
  const [secret, setSecret] = useState('');
  const [secretSet, setSecretSet] = useState(Boolean(secureJsonFields?.sharedSecret));
  const [saveError, setSaveError] = useState<string | null>(null);
  const [result, setResult] = useState<TestResult>(null);
  const [busy, setBusy] = useState(false);

  const urlProblem =
    ingestUrl.trim() === '' || /^https?:\/\/[^\s]+$/.test(ingestUrl.trim())
      ? null
      : 'Expected an http(s) URL, e.g. http://ingest:8080';
  const canSave = ingestUrl.trim() !== '' && !urlProblem && (secretSet || secret !== '');

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!canSave) return;
    setBusy(true);
    setSaveError(null);
    const secureJsonData: SecureAppSettings | undefined = secretSet ? undefined : { sharedSecret: secret };
    try {
      await saveSettings(plugin.meta.id, {
        enabled,
        pinned,
        jsonData: { ...jsonData, ingestUrl: ingestUrl.trim().replace(/\/+$/, '') },
        // Only sent when changed: Grafana cannot give it back, and an empty one would erase it.
        ...(secureJsonData ? { secureJsonData } : {}),
      });
      // Grafana offers no way to refresh a plugin's meta in place.
      window.location.reload();
    } catch (err) {
      setSaveError(toApiError(err).message);
      setBusy(false);
    }
  };

  const test = async () => {
    setResult(null);
    try {
      const me = await getMe();
      setResult({
        ok: true,
        text: `Connected: the ingest sees you as ${me.login} (${me.role}${me.canChange ? ', may change things' : ', read-only'}).`,
      });
    } catch (err) {
      setResult({ ok: false, text: toApiError(err).message });
    }
  };

  return (
    <form onSubmit={(e) => void save(e)}>
      <FieldSet label="Connection to the Vigil ingest">
        {saveError && (
          <Alert title="The settings were not saved" severity="error">
            {saveError}
          </Alert>
        )}
        <Field
          label="Ingest URL"
          description="Where Grafana reaches the ingest service, e.g. http://ingest:8080 in docker-compose"
          invalid={Boolean(urlProblem)}
          error={urlProblem}
        >
          <Input
            width={60}
            id="config-ingest-url"
            data-testid={testIds.appConfig.ingestUrl}
            value={ingestUrl}
            placeholder="http://ingest:8080"
            onChange={(e) => setIngestUrl(e.currentTarget.value)}
          />
        </Field>
        <Field
          label="Shared secret"
          description="The ingest's VIGIL_ADMIN_SECRET; Grafana stores it encrypted and adds it to every proxied request"
        >
          <SecretInput
            width={60}
            id="config-shared-secret"
            data-testid={testIds.appConfig.sharedSecret}
            value={secret}
            isConfigured={secretSet}
            placeholder="At least 32 characters"
            onChange={(e) => setSecret(e.currentTarget.value)}
            onReset={() => {
              setSecret('');
              setSecretSet(false);
            }}
          />
        </Field>
        <div className={s.buttons}>
          <Button type="submit" data-testid={testIds.appConfig.save} disabled={!canSave || busy}>
            Save settings
          </Button>
          <Button variant="secondary" data-testid={testIds.appConfig.test} onClick={() => void test()}>
            Test connection
          </Button>
        </div>
        {result && (
          <Alert
            data-testid={testIds.appConfig.result}
            className={s.result}
            title={result.ok ? 'Connection works' : 'Connection failed'}
            severity={result.ok ? 'success' : 'error'}
          >
            {result.text}
          </Alert>
        )}
      </FieldSet>
    </form>
  );
}

async function saveSettings(
  pluginId: string,
  data: Partial<PluginMeta<AppSettings>> & { secureJsonData?: SecureAppSettings }
) {
  await lastValueFrom(
    getBackendSrv().fetch({ url: `api/plugins/${pluginId}/settings`, method: 'POST', data, showErrorAlert: false })
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  buttons: css({ display: 'flex', gap: theme.spacing(1), marginTop: theme.spacing(2) }),
  result: css({ marginTop: theme.spacing(2) }),
});
