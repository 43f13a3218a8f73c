/**
 * The HTTP API on Netty: the pipeline of a connection ({@link kvstore.netty.http.HttpChannelInitializer}),
 * routing ({@code Route}), the reads answered from memory and the writes handed to the
 * {@link kvstore.core.Engine}, and the JSON bodies of every reply ({@code Replies}).
 *
 * <p>Threads. Everything per connection (its handlers, {@code RequestOrder}, each {@code Exchange}, a watch's
 * {@code WatchStream}) is owned by the channel's event loop and touched only there; so is each loop's
 * {@code EventLoopWatches}, which the watch hub wakes once per burst of changes. A write's completion arrives on an engine thread; it
 * does nothing there but hand the answer over with {@code ctx.executor().execute}, so the reply, the
 * "write finished" event and the requests that waited for it all run on the event loop. Shared by every
 * connection and safe from any thread: {@code ReadRequests}, {@code WriteRequests}, {@code WatchRequests},
 * {@code OperationCount}, the budgets that bound what all connections hold together ({@code BodyBudget},
 * {@code ResponseBudget}), the engine and the cluster.
 */
package kvstore.netty.http;
