/**
 * Who may use the server: the bearer token, the Origin and Host rules, and the TLS set-up. Everything here is
 * built once at start and only read afterwards, so it is safe to share across event loops.
 */
package kvstore.netty.security;
