/**
 * JSON values as kvstore keeps them: compact text copied digit for digit from what the client sent, and the
 * quoting of keys. Stateless; safe from any thread.
 */
package kvstore.core.json;
