"""SC102-SC104 (``_rules/handlers.py``): request-only state, swallowed errors, logged payloads."""

from __future__ import annotations

from pathlib import Path

from scaffold.check import (
    check_app,
)
from tests.check_apps import FIXTURES, app_from, found, make_app, rule_findings


def test_request_only_state_in_handlers() -> None:
    assert found(FIXTURES / "request-state", "SC102") == {
        ("node/events/imports.ts", 3, 41, "SC102", "error"),  # ctx.vtex.route.params
        ("node/events/imports.ts", 3, 67, "SC102", "error"),  # ctx.request
        ("node/workers/fromRoute.ts", 2, 11, "SC102", "error"),  # const { query } = context
        ("node/workers/fromRoute.ts", 3, 18, "SC102", "error"),  # context.get(...)
        # the route in index.ts reads ctx.query: routes may, it is not reported
    }


def test_swallowed_errors_error_log_only_warning_recorded_ok() -> None:
    assert found(FIXTURES / "swallowed", "SC103") == {
        ("node/events/sync.ts", 4, 5, "SC103", "error"),  # catch { return }
        ("node/events/sync.ts", 12, 5, "SC103", "warning"),  # catch { logger.error }
        ("node/events/sync.ts", 18, 64, "SC103", "error"),  # .catch(() => undefined)
        # markFailure + throw, and per-item failures.push(id): not reported
    }


def test_mark_failed_then_rethrow_is_fine(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/workers/w.ts": (
                "export async function w(ctx: Context) {\n"
                "  try { await work() } catch (error) {\n"
                "    await markFailed(ctx, 'k', error); throw error }\n"
                "  try { await work() } catch (e) { return markRejected(ctx, 'k', String(e)) }\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC103") == set()


def test_catch_on_run_once_is_fine_because_the_ledger_recorded_it(tmp_path: Path) -> None:
    root = app_from(
        tmp_path,
        {
            "node/workers/w.ts": (
                "export async function w(ctx: Context) {\n"
                "  await runOnce(ctx, { scope: 's', key: 'k' }, work).catch(() => undefined)\n"
                "  await work().catch(() => undefined)\n"
                "}\n"
            )
        },
    )
    assert found(root, "SC103") == {("node/workers/w.ts", 3, 16, "SC103", "error")}


def test_whole_payload_logging_is_reported_fields_are_not() -> None:
    assert found(FIXTURES / "payload", "SC104") == {
        ("node/events/logs.ts", 2, 24, "SC104", "warning"),  # logger.info(ctx.body)
        ("node/events/logs.ts", 3, 42, "SC104", "warning"),  # JSON.stringify(ctx.body)
        ("node/events/logs.ts", 5, 47, "SC104", "warning"),  # { payload } bound to ctx.body
        # line 6 logs ctx.body.orderId and payload.orderId: fine
    }


def test_payload_logged_and_swallowed_inside_a_same_file_helper(tmp_path: Path) -> None:
    helper = """
async function sync(ctx: any) {
  ctx.vtex.logger.info({ message: 'sync', body: ctx.body })
  try {
    await ctx.clients.partner.syncOrder(ctx.body.id)
  } catch (e) {
    return
  }
}

export async function handler(ctx: any, next: any) {
  await sync(ctx)
  await next()
}
"""
    root = make_app(
        tmp_path,
        "export async function handler() {}\n",
        {"node/middlewares/handler.ts": helper},
        imports="import { handler } from './middlewares/handler'",
    )
    found = {(f.rule, f.line, f.severity) for f in check_app(root, select=["SC103", "SC104"])}
    assert found == {("SC104", 3, "warning"), ("SC103", 6, "error")}


def test_catch_turning_every_error_into_a_value_is_an_error(tmp_path: Path) -> None:
    source = """
export async function handler(ctx: any) {
  const ok = await ctx.clients.vbase
    .saveJSON('b', 'f', { at: 1 }, undefined, ctx.body.etag)
    .catch((e: any) => e?.response?.status != 412)
  if (ok) await ctx.clients.events.sendEvent('', 'next', {})
}
"""
    (finding,) = check_app(make_app(tmp_path, source), select=["SC103"])
    assert (finding.line, finding.severity) == (5, "error")
    assert "turns every error into a value" in finding.message


def test_calling_something_named_error_is_not_recording(tmp_path: Path) -> None:
    source = """
function handleError(e: unknown) {
  return String(e)
}

export async function handler(ctx: any) {
  try {
    await ctx.clients.partner.syncOrder(ctx.body.id)
  } catch (e) {
    handleError(e)
  }
}
"""
    assert rule_findings(make_app(tmp_path, source), "SC103") == [
        ("node/events/handler.ts", 9, "warning")
    ]


def test_a_read_falling_back_to_a_default_is_a_warning(tmp_path: Path) -> None:
    source = """
export async function handler(ctx: any) {
  const tenant = await ctx.clients.tenant.info({ nullIfNotFound: true }).catch(() => null)
  ctx.vtex.logger.info({ message: 'locale', locale: tenant?.defaultLocale })
}
"""
    assert rule_findings(make_app(tmp_path, source), "SC103") == [
        ("node/events/handler.ts", 3, "warning")
    ]
