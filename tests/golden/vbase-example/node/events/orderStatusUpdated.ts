/**
 * Consumer of `order-status-updated` from vtex.orders-broadcast.
 * One order changes state many times and can re-enter a state, so the unit of work is
 * (orderId, currentState, currentChangeDate).
 */
import type { EventContext } from '@vtex/api'

import type { Clients } from '../clients'
import { BusyError, markRejected, payloadFingerprint, runOnce } from '../support/processing'

/** The fields this handler relies on; the broadcast also carries lastState,
 * currentChangeDate, lastChangeDate, domain... Fetch details from the source of truth. */
export interface OrderStatusUpdatedPayload {
  orderId: string
  currentState: string
  lastState?: string
  currentChangeDate?: string
  lastChangeDate?: string
  domain?: string
}

export type OrderStatusUpdatedWork = (
  ctx: EventContext<Clients>,
  payload: OrderStatusUpdatedPayload
) => Promise<void>

export const ORDER_STATUS_UPDATED_SCOPE = 'orderStatusUpdated'

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== ''

export function isOrderStatusUpdatedPayload(body: unknown): body is OrderStatusUpdatedPayload {
  if (typeof body !== 'object' || body === null) return false
  const { orderId, currentState } = body as Record<string, unknown>
  return nonEmpty(orderId) && nonEmpty(currentState)
}

/** The idempotency key: one delivery or many of the same event map to one unit of work. */
export function keyOf(payload: OrderStatusUpdatedPayload): string {
  return `${payload.orderId}:${payload.currentState}:${payload.currentChangeDate ?? ''}`
}

/** What the logs may carry: ids, never the whole body (it can hold personal data). */
function logFields(payload: OrderStatusUpdatedPayload) {
  return { orderId: payload.orderId, currentState: payload.currentState }
}

// >>> Replace with the real side effect (call a partner, update a record...). The ledger
// skips it for a unit already done or in progress, records a throw as `failed` and lets the
// platform retry (after a backoff); throw PermanentError for input that can never succeed
// (recorded `rejected`, not retried). Two deliveries of one unit that race can both run it
// (see README.md, "Guarantees"): pass keyOf(payload) to the partner as an idempotency key
// where it takes one.
export const processOrderStatusUpdated: OrderStatusUpdatedWork = async (ctx, payload) => {
  ctx.vtex.logger.info({ message: 'orderStatusUpdated.process', ...logFields(payload) })
}
// <<<

export function createOrderStatusUpdatedHandler(work: OrderStatusUpdatedWork) {
  return async function orderStatusUpdated(ctx: EventContext<Clients>): Promise<void> {
    const body: unknown = ctx.body
    const { logger } = ctx.vtex

    if (!isOrderStatusUpdatedPayload(body)) {
      // Resolving (not throwing) stops redelivery of an event that can never succeed.
      const key = payloadFingerprint(body)
      await markRejected(ctx, ORDER_STATUS_UPDATED_SCOPE, key, 'invalid order-status-updated payload')
      logger.warn({ message: 'orderStatusUpdated.rejected', key, sender: ctx.sender })
      return
    }

    const key = keyOf(body)
    const { outcome, record } = await runOnce(ctx, { scope: ORDER_STATUS_UPDATED_SCOPE, key }, () => work(ctx, body))

    // 503 at `warn`: the platform redelivers, and the duplicate is not an error.
    if (outcome === 'busy') throw new BusyError(ORDER_STATUS_UPDATED_SCOPE, key)
    logger[outcome === 'exhausted' ? 'error' : 'info']({
      message: `orderStatusUpdated.${outcome}`,
      ...logFields(body),
      attempts: record.attempts,
    })
  }
}

export const orderStatusUpdated = createOrderStatusUpdatedHandler(processOrderStatusUpdated)
