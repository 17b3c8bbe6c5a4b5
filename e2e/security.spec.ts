import { expect, test } from '@playwright/test';

test('the page is served with a Content-Security-Policy, and the studio runs under it without a violation', async ({
  page,
}) => {
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation: (v: string) => void }).reportViolation(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  });
  const response = await page.goto('/');
  const header = response!.headers()['content-security-policy'] ?? '';
  expect(header).toContain("frame-ancestors 'none'");
  expect(header).toContain("object-src 'none'");
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
    'content',
    /default-src 'self'/,
  );

  // Load the demo (a worker parses it), look at the phases, and start the backend check: workers, wasm and charts all run.
  await page.getByRole('button', { name: 'Try the demo dataset' }).click();
  await expect(page.getByTestId('phase-table')).toBeVisible();
  // A page may not load a script from elsewhere: the policy refuses it and says so.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.src = 'https://cdn.example.org/x.js';
    document.head.append(s);
  });
  await expect.poll(() => violations.some((v) => v.startsWith('script-src-elem https://cdn.example.org'))).toBe(true);
  expect(violations.filter((v) => !v.includes('cdn.example.org'))).toEqual([]);
});
