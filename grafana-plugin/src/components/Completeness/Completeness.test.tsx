import React from 'react';
import { screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DataQuantity } from '../../api/types.ts';
import { ingestError, installFakeBackend, type FakeBackend } from '../../../tests/fake-backend.ts';
import { renderAt } from '../../../tests/render.tsx';
import { Completeness, summarise } from './Completeness.tsx';

const day = (stream: string, rows: number, expectedRows: number | null) => ({
  stream,
  day: '2026-11-20',
  rows,
  bytes: rows * 40,
  expectedRows,
  completeness: expectedRows ? Math.min(1, rows / expectedRows) : null,
});
const quantity = (days: DataQuantity['days']): DataQuantity => ({ participantId: 11, days });

describe('summarise', () => {
  it('weighs streams by their expected rows and counts a surplus day as complete, not extra', () => {
    expect(summarise(quantity([day('gps', 50, 100), day('gps', 300, 100), day('accelerometer', 0, 200)]))).toEqual({
      pct: 38,
      streams: [
        { stream: 'gps', pct: 75 },
        { stream: 'accelerometer', pct: 0 },
      ],
    });
  });

  it('has nothing to say when no stream has an expectation', () => {
    expect(summarise(quantity([day('calls', 12, null)]))).toBeNull();
  });
});

describe('Completeness', () => {
  let backend: FakeBackend;
  beforeEach(() => {
    backend = installFakeBackend();
  });

  it('shows the last week’s completeness, coloured, asking for the complete days before today', async () => {
    backend.on('GET', '/participants/11/data/quantity', { body: quantity([day('gps', 90, 100)]) });
    renderAt(<Completeness participantId={11} />);
    expect(await screen.findByLabelText('Data completeness 90%')).toHaveTextContent('90%');
    const { from, to } = backend.calls[0]!.query;
    expect(from! < to!).toBe(true);
    expect(Date.parse(to!)).toBeLessThan(Date.now());
  });

  it('says why in a tooltip when the ingest refuses', async () => {
    backend.on('GET', '/participants/11/data/quantity', ingestError(404, 'NOT_FOUND', 'participant 11 does not exist'));
    renderAt(<Completeness participantId={11} />);
    expect(
      await screen.findByTitle('Could not load the data quantity: Participant 11 does not exist.')
    ).toHaveTextContent('—');
  });
});
