import React from 'react';
import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aParticipant } from '../../../tests/fixtures.ts';
import { signInAs } from '../../../tests/fake-backend.ts';
import { renderAt } from '../../../tests/render.tsx';
import { ExportData } from './ExportData.tsx';

/** A streamed ZIP whose chunks the test hands out one at a time. */
function streamedZip(headers: Record<string, string>) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const response = new Response(body, {
    status: 200,
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': 'attachment; filename="k3v9x2mp.zip"',
      ...headers,
    },
  });
  return {
    response,
    send: (bytes: number) => controller.enqueue(new Uint8Array(bytes)),
    end: () => controller.close(),
  };
}

// A modal of nineteen checkboxes renders slowly in jsdom on a busy machine.
describe('ExportData', { timeout: 30_000 }, () => {
  const fetchMock = vi.fn<typeof fetch>();
  const saved: { name: string; href: string }[] = [];
  beforeEach(() => {
    signInAs('Viewer');
    fetchMock.mockReset();
    saved.length = 0;
    vi.stubGlobal('fetch', fetchMock);
    URL.createObjectURL = vi.fn(() => 'blob:export');
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, href: this.href });
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  // @grafana/ui fetches its icons too; only the export is the test's business.
  const answerExport = (response: Response) =>
    fetchMock.mockImplementation((input) =>
      Promise.resolve(urlOf(input).includes('/export') ? response : new Response('', { status: 404 }))
    );
  const urlOf = (input: Parameters<typeof fetch>[0]) =>
    typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const exportUrl = () => fetchMock.mock.calls.map(([input]) => urlOf(input)).find((u) => u.includes('/export')) ?? '';
  const setDay = (label: string, day: string) =>
    fireEvent.change(screen.getByLabelText(label), { target: { value: day } });

  const renderExport = () => renderAt(<ExportData participant={aParticipant()} onDismiss={() => undefined} />);

  it('downloads the chosen days and streams through the plugin proxy, showing bytes and percentage, then saves it', async () => {
    const zip = streamedZip({ 'X-Vigil-Estimated-Bytes': '4096' });
    answerExport(zip.response);
    const { user } = renderExport();
    setDay('First day', '2026-11-01');
    setDay('Last day', '2026-11-02');
    await user.click(screen.getByLabelText('gps'));
    await user.click(screen.getByLabelText('accelerometer'));
    await user.click(screen.getByRole('button', { name: 'Download' }));

    const url = new URL(exportUrl(), 'http://grafana.test');
    expect(url.pathname).toBe('/api/plugin-proxy/vigil-admin-app/api/v1/participants/11/export');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-03T00:00:00.000Z',
      streams: 'gps,accelerometer',
    });
    const progress = await screen.findByTestId('data-testid vigil export-progress');
    zip.send(1024);
    expect(await within(progress).findByText('1.0 KiB of about 4.0 KiB (25%)…')).toBeInTheDocument();
    expect(within(progress).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '25');
    zip.send(3072);
    zip.end();
    expect(await screen.findByText('Saved k3v9x2mp.zip (4.0 KiB).')).toBeInTheDocument();
    expect(saved).toEqual([{ name: 'k3v9x2mp.zip', href: 'blob:export' }]);
  });

  it('shows the bytes received, without a percentage, when the size is not announced', async () => {
    const zip = streamedZip({});
    answerExport(zip.response);
    const { user } = renderExport();
    await user.click(screen.getByRole('button', { name: 'Download' }));
    expect(exportUrl()).toMatch(/\/participants\/11\/export$/);
    zip.send(2048);
    const progress = await screen.findByTestId('data-testid vigil export-progress');
    expect(await within(progress).findByText('2.0 KiB received…')).toBeInTheDocument();
    expect(within(progress).getByRole('progressbar')).not.toHaveAttribute('aria-valuenow');
    zip.end();
    expect(await screen.findByText('Saved k3v9x2mp.zip (2.0 KiB).')).toBeInTheDocument();
  });

  it('shows the ingest’s refusal in words and saves nothing', async () => {
    answerExport(
      new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'participant 11 has no Beiwe data' } }), {
        status: 404,
        headers: { 'Content-Type': 'application/json' },
      })
    );
    const { user } = renderExport();
    await user.click(screen.getByRole('button', { name: 'Download' }));
    expect(await screen.findByText('Participant 11 has no Beiwe data.')).toBeInTheDocument();
    expect(screen.getByText('The export failed')).toBeInTheDocument();
    expect(saved).toEqual([]);
  });

  it('wants both days of a range', () => {
    renderExport();
    setDay('First day', '2026-11-01');
    expect(screen.getByText('Choose the last day.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download' })).toBeDisabled();
  });
});
