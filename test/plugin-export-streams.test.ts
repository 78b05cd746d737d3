import { describe, expect, it } from 'vitest';
import { EXPORT_STREAMS } from '../ingest/src/data-access/export.ts';
import { PHONE_STREAMS, WEARABLE_STREAMS } from '../grafana-plugin/src/components/ExportData/streams.ts';

/** The plugin's export dialog offers exactly the streams the ingest exports, so no choice is refused or missing. */
describe('the plugin’s export streams and the ingest’s', () => {
  it('are the same names', () => {
    expect([...PHONE_STREAMS, ...WEARABLE_STREAMS].sort()).toEqual([...EXPORT_STREAMS].sort());
  });
});
