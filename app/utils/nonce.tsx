import { createContext, useContext } from 'react'

// The per-request CSP nonce, rendered onto every script; empty in the browser, where React ignores it.
const NonceContext = createContext('')

export const NonceProvider = NonceContext.Provider
export const useNonce = () => useContext(NonceContext)
