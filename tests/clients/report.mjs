// The result protocol of the client scripts run by tests/integration/test_tools.py:
// one JSON object per line, {"ok": bool, "name": "...", "diag": ...}, which the
// python side turns into TAP checks.

export function report(ok, name, diag) {
  process.stdout.write(JSON.stringify({ ok: !!ok, name, diag: ok ? undefined : diag }) + '\n');
}

// Run fn; a throw is one failed result named name.
export async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    report(false, name, `threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
  }
}
