import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrations } from './index.ts';

describe('the migration list', () => {
  it('names every migration file in this folder, in order, and nothing else', () => {
    const files = readdirSync(import.meta.dirname)
      .filter((f) => /^\d{14}_[a-z0-9_]+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
  });

  it('gives every migration an up and a down', () => {
    for (const m of migrations) {
      expect(typeof m.module.up, m.name).toBe('function');
      expect(typeof m.module.down, m.name).toBe('function');
    }
  });
});
