import { describe, expect, it } from 'vitest';
import { describeError } from './log.ts';

describe('describeError', () => {
  it("keeps a database error's kind and code, blanks every quoted value, drops the statement and its bindings", () => {
    const err = Object.assign(
      new Error("insert into `t` (`a`) values ('s3cret') - Duplicate entry 's3cret' for key 'patient_id'"),
      {
        code: 'ER_DUP_ENTRY',
        errno: 1062,
        sqlMessage: "Duplicate entry 's3cret' for key 'patient_id'",
        sql: "insert into `t` (`a`) values ('s3cret')",
        bindings: ['s3cret'],
      }
    );
    const logged = describeError(err);
    expect(logged).toMatchObject({
      type: 'Error',
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      message: "Duplicate entry ? for key 'patient_id'",
    });
    expect(JSON.stringify(logged)).not.toContain('s3cret');
  });

  it('a statement given as text keeps only the driver message after it', () => {
    expect(describeError("update `x` set `h` = 'scrypt$1' where id = 4 - Data too long for column 'h' at row 1")).toBe(
      "Data too long for column 'h' at row 1"
    );
  });

  it('follows causes, and the stack keeps only its frames', () => {
    const inner = new Error("write failed for 'abc/def.csv'");
    const outer = new Error('archive unavailable', { cause: inner });
    const logged = describeError(outer) as { stack: string; cause: { message: string } };
    expect(logged.cause.message).toBe('write failed for ?');
    expect(logged.stack.split('\n').every((l) => l.startsWith('    at '))).toBe(true);
  });
});
