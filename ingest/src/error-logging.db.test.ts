import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createLocalArchiveStore } from './archive/local-store.ts';
import { createLogger } from './log.ts';
import { createTestClock, testConfig, testDeps, testVault } from './test/fixtures.ts';
import { enrolledPhone } from './test/enrolled-phone.ts';
import { sha256B64url } from './test/phone-emulator/encrypt.ts';
import { createOwnDatabase } from './test/test-db.ts';

describe('errors are logged without values', () => {
  it('a database error while a phone changes its password logs its code, never the statement, the new hash or the password', async () => {
    // A database of its own: the trigger below refuses every password change in it.
    const own = await createOwnDatabase('vigil_errlog');
    const dir = await mkdtemp(join(tmpdir(), 'vigil-errlog-'));
    const lines: string[] = [];
    try {
      const deps = testDeps({
        db: own.db,
        clock: createTestClock(new Date()),
        vault: testVault(),
        archiveStore: createLocalArchiveStore(dir),
        config: testConfig({ VIGIL_DB_NAME: own.config.database }),
      });
      const app = createApp({ ...deps, log: createLogger('info', { write: (line: string) => void lines.push(line) }) });
      const { phone } = await enrolledPhone(app, { label: 'p1', phone: { seed: 'errlog' } });
      expect((await phone.register()).status).toBe(200);
      // The database refuses the change, quoting the value in its own message as "Duplicate entry '…'" does.
      await own.db.raw(`
        CREATE TRIGGER refuse_password_change BEFORE UPDATE ON beiwe_participants FOR EACH ROW
        BEGIN
          DECLARE msg VARCHAR(255);
          IF NEW.password_hash <> OLD.password_hash THEN
            SET msg = CONCAT('refused ''', LEFT(NEW.password_hash, 200), '''');
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = msg;
          END IF;
        END`);
      const newPassword = 'correct horse battery staple';
      lines.length = 0;
      expect((await phone.setPassword(newPassword)).status).toBe(500);

      const log = lines.join('');
      for (const secret of ['scrypt', newPassword, sha256B64url(newPassword), 'password_hash', 'beiwe_participants']) {
        expect(log, secret).not.toContain(secret);
      }
      const unhandled = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'unhandled error');
      expect(unhandled?.err).toMatchObject({ code: 'ER_SIGNAL_EXCEPTION', message: 'refused ?' });
    } finally {
      await own.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
