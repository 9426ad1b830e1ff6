import type { ClientsConfig, ParamsContext, RecorderState, ServiceContext } from '@vtex/api'
import { Service } from '@vtex/api'

import { Clients } from './clients'
import { events } from './events'
import { routes } from './routes'

const TIMEOUT_MS = 3000

const clients: ClientsConfig<Clients> = {
  implementation: Clients,
  options: {
    // The SDK retries only aborted requests, network errors and router timeouts, so a
    // retry can repeat a write that did land: every write here is idempotent or ledgered.
    default: {
      retries: 2,
      timeout: TIMEOUT_MS,
    },
  },
}

declare global {
  type Context = ServiceContext<Clients, State>

  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface State extends RecorderState {}
}

export default new Service<Clients, State, ParamsContext>({
  clients,
  events,
  routes,
})
