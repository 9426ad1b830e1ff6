import { IOClients } from '@vtex/api'

/** `vbase`, `masterdata` and `events` are built into IOClients; add your own getters here:
 * `get partner() { return this.getOrSet('partner', PartnerClient) }` */
export class Clients extends IOClients {}
