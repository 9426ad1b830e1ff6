import { advanceClock, createTestApp, gate } from '../platform'
import type { OrderStatusUpdatedPayload } from '../../events/orderStatusUpdated'
import { ORDER_STATUS_UPDATED_SCOPE, createOrderStatusUpdatedHandler, keyOf } from '../../events/orderStatusUpdated'
import { BusyError, DEFAULT_LEASE_MS, PermanentError, claim, getRecord, payloadFingerprint, retryDelay } from '../../support/processing'

const payload: OrderStatusUpdatedPayload = {
  orderId: '1234567890-01',
  currentState: 'invoiced',
  lastState: 'handling',
  currentChangeDate: '2026-11-28T10:00:00.000Z',
  domain: 'Marketplace',
}
const other: OrderStatusUpdatedPayload = { ...payload, currentState: 'canceled' }
const invalid = { orderId: '', currentState: 'invoiced', token: 'secret-token' }
const ID = payload.orderId
const KEY = keyOf(payload)
const source = { sender: 'vtex.orders-broadcast', key: 'order-status-updated' }

/** Each delivery gets a fresh context and client set, like the runtime builds them; the
 * ledger talks to the in-process model through the real @vtex/api client. */
function setup() {
  const app = createTestApp()
  const work = jest.fn(async () => undefined)
  const handler = createOrderStatusUpdatedHandler(work)
  const deliver = (body: unknown) => handler(app.event(body, source))
  const record = (key = KEY) => getRecord(app.ledger(), ORDER_STATUS_UPDATED_SCOPE, key)
  return { ...app, work, deliver, record }
}

describe('orderStatusUpdated', () => {
  it('runs the side effect once on the first delivery and records done', async () => {
    const { deliver, work, record } = setup()
    await deliver(payload)
    expect(work).toHaveBeenCalledTimes(1)
    expect(await record()).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('does not run it again on an immediate redelivery', async () => {
    const { deliver, work, record } = setup()
    await deliver(payload)
    await deliver(payload)
    expect(work).toHaveBeenCalledTimes(1)
    expect(await record()).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('keeps the total at one across five redeliveries spaced past the lease', async () => {
    const { deliver, work, record } = setup()
    await deliver(payload)
    for (let i = 0; i < 5; i++) {
      advanceClock(DEFAULT_LEASE_MS + 1_000)
      await deliver(payload)
    }
    expect(work).toHaveBeenCalledTimes(1)
    expect(await record()).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('records a failure and rethrows it (5xx); an early redelivery waits (503) without an attempt; the next one runs', async () => {
    const { deliver, work, record } = setup()
    work.mockRejectedValueOnce(Object.assign(new Error('partner timeout'), { status: 504 }))

    await expect(deliver(payload)).rejects.toMatchObject({ message: 'partner timeout', status: 504 })
    expect(await record()).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'partner timeout', status: 504 },
    })

    await expect(deliver(payload)).rejects.toMatchObject({ status: 503, level: 'warn' })
    expect(await record()).toMatchObject({ status: 'failed', attempts: 1 })

    advanceClock(retryDelay(1) + 1)
    await deliver(payload)
    await deliver(payload)
    expect(work).toHaveBeenCalledTimes(2)
    expect(await record()).toMatchObject({ status: 'done', attempts: 2 })
  })

  it('answers a partner 4xx with 500 so the event comes back, keeping the 4xx in the record', async () => {
    const { deliver, work, record } = setup()
    work.mockRejectedValueOnce(Object.assign(new Error('rate limited'), { response: { status: 429 } }))

    await expect(deliver(payload)).rejects.toMatchObject({ message: 'rate limited', status: 500 })
    expect(await record()).toMatchObject({ status: 'failed', error: { message: 'rate limited', status: 429 } })
  })

  it('records a PermanentError as rejected and resolves, so the event is not delivered again', async () => {
    const { deliver, work, record, logger } = setup()
    work.mockRejectedValueOnce(new PermanentError('unknown order', 404))

    await expect(deliver(payload)).resolves.toBeUndefined()
    expect(await record()).toMatchObject({ status: 'rejected', error: { message: 'unknown order', status: 404 } })
    await expect(deliver(payload)).resolves.toBeUndefined()
    expect(work).toHaveBeenCalledTimes(1)
    expect(logger.messages('warn')).toContain('ledger.rejected')
  })

  it('resolves an invalid payload without running anything, logging no body', async () => {
    const { deliver, work, ledger, logger } = setup()

    await expect(deliver(invalid)).resolves.toBeUndefined()
    await expect(deliver(invalid)).resolves.toBeUndefined()
    await expect(deliver(null)).resolves.toBeUndefined()

    expect(work).not.toHaveBeenCalled()
    expect(await getRecord(ledger(), ORDER_STATUS_UPDATED_SCOPE, payloadFingerprint(invalid))).toMatchObject({
      status: 'rejected',
    })
    expect(logger.messages('warn')).toContain('orderStatusUpdated.rejected')
    expect(logger.text()).not.toContain('secret-token')
  })

  it('two concurrent first deliveries: one runs, the other is busy (503, warn) and its redelivery skips', async () => {
    const { deliver, work } = setup()
    const results = await Promise.allSettled([deliver(payload), deliver(payload)])

    expect(work).toHaveBeenCalledTimes(1)
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(rejected.map((r) => r.reason)).toEqual([expect.any(BusyError)])
    expect(rejected[0].reason).toMatchObject({ status: 503, level: 'warn' })

    await deliver(payload) // the platform's redelivery finds it done
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('two concurrent first deliveries whose creates land two round trips apart both run (the documented window)', async () => {
    const { deliver, work, platform, record } = setup()
    const reached = gate()
    const held = gate()
    let creates = 0
    // Hold the first delivery's create in flight until the second delivery has claimed.
    platform.before(async (request) => {
      const writing = request.method === 'PUT' || request.method === 'PATCH'
      if (writing && JSON.stringify(request.body ?? '').includes('"attempts":1') && ++creates === 1) {
        reached.open()
        await held.opened
      }
    })
    const late = deliver(payload)
    await reached.opened
    await deliver(payload)
    held.open()
    await late

    expect(work).toHaveBeenCalledTimes(2)
    expect(await record()).toMatchObject({ status: 'done' })
    await deliver(payload)
    expect(work).toHaveBeenCalledTimes(2)
  })

  it('treats a different event as its own unit of work', async () => {
    const { deliver, work } = setup()
    await deliver(payload)
    await deliver(other)
    expect(work).toHaveBeenCalledTimes(2)
  })

  it('leaves a live claim alone and reclaims a stale one, counting the attempt', async () => {
    const { deliver, work, ledger, record } = setup()

    await claim(ledger(), ORDER_STATUS_UPDATED_SCOPE, KEY) // live lease held elsewhere
    await expect(deliver(payload)).rejects.toBeInstanceOf(BusyError)
    expect(work).not.toHaveBeenCalled()

    advanceClock(DEFAULT_LEASE_MS + 1_000) // that delivery died
    await deliver(payload)
    expect(work).toHaveBeenCalledTimes(1)
    expect(await record()).toMatchObject({ status: 'done', attempts: 2 })
  })

  it('logs ids, not the body', async () => {
    const { deliver, logger } = setup()
    await deliver({ ...payload, clientEmail: 'someone@example.com' })
    expect(logger.text()).toContain(ID)
    expect(logger.text()).not.toContain('someone@example.com')
  })

  it('runs again when the order re-enters a state later', async () => {
    const { deliver, work } = setup()
    await deliver(payload)
    await deliver({ ...payload, currentChangeDate: '2026-11-29T09:00:00.000Z' })
    expect(work).toHaveBeenCalledTimes(2)
  })
})
