import { describe, expect, it } from 'vitest';

import { deploymentVersion, parseCurrentPointer, shellQuote, stagingDir, versionDir } from './deploy-layout';

describe('deployment layout', () => {
  it('names versions by time (ms) and content, and reads them back from the pointer', () => {
    const version = deploymentVersion(new Date('2026-03-04T05:06:07.089Z'), 'abcdef0123456789');
    expect(version).toBe('20260304T050607089Z-abcdef01');
    expect(parseCurrentPointer(`${version}\n`)).toBe(version);
    expect(parseCurrentPointer('')).toBeNull();
    expect(parseCurrentPointer('../../etc\n')).toBeNull();
    expect(versionDir(version)).toBe(`/data/local/tmp/spvit/deployments/${version}`);
    expect(stagingDir(version)).toBe(`/data/local/tmp/spvit/deployments/.staging-${version}`);
  });

  it('quotes paths for the phone shell', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
