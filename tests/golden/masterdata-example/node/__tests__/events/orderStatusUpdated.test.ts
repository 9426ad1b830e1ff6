import type { OrderStatusUpdatedPayload } from '../../events/orderStatusUpdated'
import { ORDER_STATUS_UPDATED_SCOPE, createOrderStatusUpdatedHandler, keyOf } from '../../events/orderStatusUpdated'
import { BusyError, claim, getRecord, payloadFingerprint } from '../../support/processing'
import { createTestApp, sleep } from '../fakes'

const payload: OrderStatusUpdatedPayload = {
  orderId: '1234567890-01',
  currentState: 'invoiced',
  lastState: 'handling',
  domain: 'Marketplace',
}
const other: OrderStatusUpdatedPayload = { ...payload, currentState: 'canceled' }
const invalid = { orderId: '', currentState: 'invoiced', token: 'secret-token' }
const ID = payload.orderId
const KEY = keyOf(payload)
const source = { sender: 'vtex.orders-broadcast', key: 'order-status-updated' }

function setup() {
  const app = createTestApp()
  const work = jest.fn(async () => undefined)
  const handler = createOrderStatusUpdatedHandler(work)
  const deliver = (body: unknown) => handler(app.event(body, source))
  return { ...app, work, deliver }
}

describe('orderStatusUpdated', () => {
  it('does the side effect once when the same event is delivered twice', async () => {
    const { deliver, work, ledger } = setup()
    await deliver(payload)
    await deliver(payload)

    expect(work).toHaveBeenCalledTimes(1)
    expect(await getRecord(ledger, ORDER_STATUS_UPDATED_SCOPE, KEY)).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('does it once when two deliveries run at the same time; the loser asks for redelivery', async () => {
    const { deliver, work } = setup()
    const results = await Promise.allSettled([deliver(payload), deliver(payload)])

    expect(work).toHaveBeenCalledTimes(1)
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(rejected.map((r) => r.reason)).toEqual([expect.any(BusyError)])
    expect((rejected[0].reason as BusyError).status).toBe(503)

    await deliver(payload) // the redelivery finds it done
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('treats a different event as its own unit of work', async () => {
    const { deliver, work } = setup()
    await deliver(payload)
    await deliver(other)
    expect(work).toHaveBeenCalledTimes(2)
  })

  it('marks a failing side effect failed, rethrows, and retries on redelivery', async () => {
    const { deliver, work, ledger } = setup()
    const error = Object.assign(new Error('partner timeout'), { status: 504 })
    work.mockRejectedValueOnce(error)

    await expect(deliver(payload)).rejects.toBe(error)
    expect(await getRecord(ledger, ORDER_STATUS_UPDATED_SCOPE, KEY)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'partner timeout', status: 504 },
    })

    await deliver(payload)
    expect(work).toHaveBeenCalledTimes(2)
    expect(await getRecord(ledger, ORDER_STATUS_UPDATED_SCOPE, KEY)).toMatchObject({ status: 'done', attempts: 2 })
  })

  it('rejects a bad payload without the side effect, without throwing, logging no body', async () => {
    const { deliver, work, ledger, logger } = setup()

    await expect(deliver(invalid)).resolves.toBeUndefined()
    await expect(deliver(null)).resolves.toBeUndefined()

    expect(work).not.toHaveBeenCalled()
    expect(await getRecord(ledger, ORDER_STATUS_UPDATED_SCOPE, payloadFingerprint(invalid))).toMatchObject({
      status: 'rejected',
    })
    expect(logger.entries.some((e) => e.level === 'warn')).toBe(true)
    expect(logger.text()).not.toContain('secret-token')
  })

  it('reclaims a stale claim left by a delivery that died, but not a live one', async () => {
    const { deliver, work, ledger } = setup()

    await claim(ledger, ORDER_STATUS_UPDATED_SCOPE, KEY) // live lease held elsewhere
    await expect(deliver(payload)).rejects.toBeInstanceOf(BusyError)
    expect(work).not.toHaveBeenCalled()

    await claim(ledger, ORDER_STATUS_UPDATED_SCOPE, keyOf(other), { leaseMs: 1 })
    await sleep(5)
    await deliver(other)
    expect(work).toHaveBeenCalledTimes(1)
    expect(await getRecord(ledger, ORDER_STATUS_UPDATED_SCOPE, keyOf(other))).toMatchObject({
      status: 'done',
      attempts: 2,
    })
  })

  it('logs ids, not the body', async () => {
    const { deliver, logger } = setup()
    await deliver({ ...payload, clientEmail: 'someone@example.com' })
    expect(logger.text()).toContain(ID)
    expect(logger.text()).not.toContain('someone@example.com')
  })
})
