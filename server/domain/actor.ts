/** Who a domain function acts for: the signed-in user, passed explicitly so every query runs as them. */
export type Actor = { id: string }
