import { describe, expect, it } from 'vitest';
import { BLOCKED_NOTICE, CLOSED_FOR_UPGRADE_NOTICE, NEWER_DATA_NOTICE, noticeForOpenFailure } from './connectionNotice';

function domError(name: string, message = ''): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('connection notices', () => {
  it('maps a VersionError (data saved by a newer studio) to "reload to get the new version"', () => {
    const notice = noticeForOpenFailure(
      domError('VersionError', 'The requested version (5) is less than the existing version (6).'),
    );
    expect(notice).toBe(NEWER_DATA_NOTICE);
    expect(notice?.message).toMatch(
      /older than the data saved by a newer version of the studio: reload to get the new version/,
    );
  });

  it('leaves other failures to the generic storage error', () => {
    expect(noticeForOpenFailure(domError('QuotaExceededError'))).toBeUndefined();
    expect(noticeForOpenFailure(domError('UnknownError'))).toBeUndefined();
    expect(noticeForOpenFailure('VersionError')).toBeUndefined();
  });

  it('tells a blocked tab which tab to close and that it keeps waiting, and a blocking tab to reload', () => {
    expect(BLOCKED_NOTICE.message).toMatch(/another tab of the studio holds an older version/i);
    expect(BLOCKED_NOTICE.message).toMatch(/close that tab/i);
    expect(BLOCKED_NOTICE.message).toMatch(/waits/);
    expect(CLOSED_FOR_UPGRADE_NOTICE.message).toMatch(/reload this tab/i);
  });
});
