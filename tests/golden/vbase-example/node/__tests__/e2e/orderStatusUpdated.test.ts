/**
 * The example order handler end to end: order events delivered by the broker to the app
 * booted on its runtime (see `./harness.ts`). `scaffold remove-event orderStatusUpdated`
 * deletes this file with the handler, unless it was edited.
 */
import { bootApp } from './harness'

const app = bootApp()
const ORDERS = 'vtex.orders-broadcast'
const ORDER = {
  domain: 'Marketplace',
  orderId: '1385470512345-01',
  currentState: 'invoiced',
  lastState: 'handling',
  currentChangeDate: '2024-05-06T14:03:12.0000000Z',
}

test('an order event runs its side effect once: 204, and 204 again for the duplicate', async () => {
  expect(await app.deliver(ORDERS, 'order-status-updated', ORDER)).toBe(204)
  expect(await app.deliver(ORDERS, 'order-status-updated', ORDER)).toBe(204)
  await app.logged('orderStatusUpdated.done') // the duplicate's, written after the first one's lines
  expect(app.count('orderStatusUpdated.process')).toBe(1)
  const [record] = app.records('orderStatusUpdated')
  expect(record).toMatchObject({ status: 'done', attempts: 1 })
})

test('a malformed event is answered 204 and recorded rejected', async () => {
  expect(await app.deliver(ORDERS, 'order-status-updated', {})).toBe(204)
  expect(app.records('orderStatusUpdated').map((r) => r.status).sort()).toEqual(['done', 'rejected'])
})

test('a duplicate that arrives while the first delivery holds the unit is answered 503', async () => {
  const order = { ...ORDER, orderId: 'busy-order-1' }
  // The first delivery is held as it records `done`: the unit is claimed, the lease live.
  const held = app.hold((r) => r.method !== 'GET' && JSON.stringify(r.body ?? '').includes('"status":"done"'))
  const first = app.deliver(ORDERS, 'order-status-updated', order)
  await held.arrived
  expect(await app.deliver(ORDERS, 'order-status-updated', order)).toBe(503)
  held.open()
  expect(await first).toBe(204)
  await app.logged('orderStatusUpdated.processed', 2) // this order's and the first test's
  expect(app.count('orderStatusUpdated.process')).toBe(2)
})

test('a store that fails is answered with a 5xx, so the broker delivers it again', async () => {
  const order = { ...ORDER, orderId: 'store-down-1' }
  let failing = true
  app.model.fault((r) => (failing && r.method !== 'GET' ? 503 : undefined))
  const status = await app.deliver(ORDERS, 'order-status-updated', order)
  failing = false
  expect(status).toBeGreaterThanOrEqual(500)
  expect(status).toBeLessThan(600)
  // The redelivery runs it.
  expect(await app.deliver(ORDERS, 'order-status-updated', order)).toBe(204)
  expect(app.records('orderStatusUpdated').find((r) => r.key.startsWith('store-down-1'))).toMatchObject({
    status: 'done',
  })
})
