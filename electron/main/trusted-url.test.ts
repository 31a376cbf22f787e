import { describe, expect, it } from 'vitest';

import { createTrustedUrlCheck } from './trusted-url';

describe('createTrustedUrlCheck', () => {
  const built = createTrustedUrlCheck({ rendererIndexPath: '/opt/studio/out/renderer/index.html' });
  const dev = createTrustedUrlCheck({ rendererIndexPath: '/opt/studio/out/renderer/index.html', devServerUrl: 'http://localhost:5173/' });

  it('trusts the built index.html, with or without a hash route', () => {
    expect(built('file:///opt/studio/out/renderer/index.html')).toBe(true);
    expect(built('file:///opt/studio/out/renderer/index.html#/runs')).toBe(true);
  });

  it('trusts no other file, host or scheme', () => {
    expect(built('file:///opt/studio/out/renderer/other.html')).toBe(false);
    expect(built('file:///etc/passwd')).toBe(false);
    expect(built('file://server/opt/studio/out/renderer/index.html')).toBe(false);
    expect(built('https://evil.example/')).toBe(false);
    expect(built('about:blank')).toBe(false);
    expect(built('not a url')).toBe(false);
  });

  it('trusts the dev server only when running under it', () => {
    expect(dev('http://localhost:5173/index.html')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
    expect(built('http://localhost:5173/')).toBe(false);
  });
});
