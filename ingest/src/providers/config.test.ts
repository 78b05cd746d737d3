import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

const base = { NODE_ENV: 'test' };

describe('wearable provider configuration', () => {
  it('leaves a provider without a client id unavailable, with Google and vendor defaults', () => {
    const { wearables } = loadConfig(base);
    expect(wearables.connectLinkDays).toBe(7);
    expect(wearables.fitbit).toMatchObject({ client: null, tokenUrl: 'https://oauth2.googleapis.com/token' });
    expect(wearables.withings.apiUrl).toBe('https://wbsapi.withings.net');
    expect(wearables.polar.client).toBeNull();
  });

  it('takes credentials and loopback http URLs (the simulators), trimming trailing slashes', () => {
    const { wearables } = loadConfig({
      ...base,
      VIGIL_WITHINGS_CLIENT_ID: 'id',
      VIGIL_WITHINGS_CLIENT_SECRET: 'secret',
      VIGIL_WITHINGS_API_URL: 'http://127.0.0.1:4321/',
      VIGIL_CONNECT_LINK_DAYS: '3',
    });
    expect(wearables.withings).toMatchObject({
      client: { clientId: 'id', clientSecret: 'secret' },
      apiUrl: 'http://127.0.0.1:4321',
    });
    expect(wearables.connectLinkDays).toBe(3);
  });

  it('reports a half-configured client, plain http elsewhere and bad link lifetimes, all at once', () => {
    let error: unknown;
    try {
      loadConfig({
        ...base,
        VIGIL_POLAR_CLIENT_ID: 'id',
        VIGIL_FITBIT_CLIENT_SECRET: 'secret',
        VIGIL_WITHINGS_API_URL: 'http://wbsapi.withings.net',
        VIGIL_CONNECT_LINK_DAYS: '0',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('VIGIL_POLAR_CLIENT_SECRET: required when VIGIL_POLAR_CLIENT_ID is set');
    expect(problems).toContain('VIGIL_FITBIT_CLIENT_ID: required when VIGIL_FITBIT_CLIENT_SECRET is set');
    expect(problems).toContain('VIGIL_WITHINGS_API_URL: expected https');
    expect(problems).toContain('VIGIL_CONNECT_LINK_DAYS');
    expect(problems).not.toContain('secret');
  });
});
