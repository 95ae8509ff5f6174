import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// How many connections the server holds and for how long, so that idle or slow clients cannot
/// use up its file descriptors.
public struct ConnectionLimits: Sendable {
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    public var maximumConnections = 512
    /// From a connection's start (or its previous answer) until a request's whole head has arrived.
    public var headTimeoutSeconds: Int64 = 10
    /// A connection with nothing in flight and nothing read is closed after this.
    public var idleTimeoutSeconds: Int64 = 60

    public init() {}
}

extension LedgerServer {
    /// The application serving this server's router on `host:port` within `limits`.
    public func application(host: String, port: Int, limits: ConnectionLimits = ConnectionLimits()) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .http1(configuration: .init(
                additionalChannelHandlers: [RequestHeadDeadline(timeout: .seconds(limits.headTimeoutSeconds))],
                idleTimeout: .seconds(limits.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(host, port: port),
                                 availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections)),
            logger: logger)
    }
}

/// Closes a connection whose next request head has not fully arrived within `timeout` of the
/// connection opening or of its last answer: a client sending its headers a byte at a time (which
/// an idle timeout never sees as idle) is cut off.
final class RequestHeadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Requests whose head arrived and whose answer has not ended.
    private var inFlight = 0

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            inFlight += 1
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            if inFlight == 0 { arm(context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
