/**
 * JSON values as kvstore keeps them: compact text copied digit for digit from what the client sent, the
 * quoting of keys, and the one rule for well-formed UTF-8 ({@link kvstore.core.json.Utf8}). Stateless; safe
 * from any thread.
 */
package kvstore.core.json;
