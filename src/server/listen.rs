//! The connection loop of `scimhub serve`: HTTP/1.1 with hyper (what `axum::serve` served),
//! plus what `axum::serve` cannot do — a header-read timeout, an idle keep-alive timeout, a cap
//! on concurrent connections and a lingering close.
//!
//! Each connection is in one [`Phase`] at a time. Bytes read while it waits for a request start
//! a request head; the service marks it busy from the parsed head until hyper drops the
//! response body; then it is idle until the next byte. A watchdog in the connection's task
//! closes it when the phase's deadline passes (header-read timeout for a head, keep-alive
//! timeout when idle; none while busy: the request timeout bounds that). hyper's own
//! header-read timer would also count the idle time between requests as header time, so it is
//! only a backstop here, set to the sum of both timeouts.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// How long and how many connections are kept.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a whole request head, from the connection's start or a later request's
    /// first byte.
    pub header_read: Duration,
    /// Time a connection may sit idle between requests.
    pub keep_alive: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
}

impl From<&crate::config::ConnectionLimits> for Limits {
    fn from(c: &crate::config::ConnectionLimits) -> Self {
        Limits {
            header_read: Duration::from_secs(c.header_read_timeout_secs),
            keep_alive: Duration::from_secs(c.keep_alive_timeout_secs),
            max_connections: c.max_connections.max(1),
        }
    }
}

/// How long a closing connection keeps reading (and dropping) what the client still sends, so
/// that the client reads our last answer instead of a TCP reset (e.g. a 413 while it was
/// still sending the body).
const LINGER: Duration = Duration::from_secs(2);

/// Where a connection is between and within requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Accepted, nothing read yet: the header-read timeout runs from the accept.
    Fresh(Instant),
    /// Bytes of a request head arrived: the header-read timeout runs from this instant.
    Head(Instant),
    /// A request is being served: the request timeout bounds it, not the watchdog.
    Busy,
    /// Between requests: the keep-alive timeout runs from the last byte moved.
    Idle(Instant),
}

impl Phase {
    fn deadline(self, limits: &Limits) -> Option<Instant> {
        match self {
            Phase::Fresh(since) | Phase::Head(since) => Some(since + limits.header_read),
            Phase::Idle(since) => Some(since + limits.keep_alive),
            Phase::Busy => None,
        }
    }
}

/// The phase, shared by the connection's IO, its service and its watchdog.
type SharedPhase = Arc<watch::Sender<Phase>>;

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets requests in
/// flight finish (closing connections that have not started one) and returns when every
/// connection is closed. Dropping the returned future aborts the connections left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<Arc<super::tls::Certificates>>,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(());
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (permit, tcp, remote) = tokio::select! {
            () = &mut shutdown => break,
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                if let Err(e) = done {
                    tracing::error!(error = %e, "a connection task failed");
                }
                continue;
            }
            accepted = accept(&listener, &permits) => match accepted {
                Some(accepted) => accepted,
                None => break,
            },
        };
        let acceptor = tls.as_ref().and_then(|certificates| certificates.acceptor());
        connections.spawn(connection(tcp, remote, app.clone(), limits, stopping.clone(), permit, acceptor));
    }
    drop(listener);
    drop(stop);
    while connections.join_next().await.is_some() {}
}

/// The next connection, once there is room for it (`None`: the semaphore was closed).
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> Option<(OwnedSemaphorePermit, TcpStream, SocketAddr)> {
    // Over the cap, connections wait in the kernel's listen backlog (clients see a slow
    // connect, not a refusal) until a connection closes.
    let permit = permits.clone().acquire_owned().await.ok()?;
    loop {
        match listener.accept().await {
            Ok((tcp, remote)) => {
                // Answers go out as they are written: without TCP_NODELAY a response written in
                // pieces (a streamed page, an export) waits for the client's delayed ACK.
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
                return Some((permit, tcp, remote));
            }
            // The client gave up before we accepted: nothing to do.
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset) => {}
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::error!(error = %e, "cannot accept connections");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Serves one connection until it ends, times out, or the server stops; over TLS when there is
/// an acceptor (the handshake must finish within the header-read timeout).
async fn connection(
    tcp: TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: Limits,
    stopping: watch::Receiver<()>,
    permit: OwnedSemaphorePermit,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let started = Instant::now();
    let Some(acceptor) = tls else {
        return serve_stream(tcp, started, remote, app, limits, stopping, permit).await;
    };
    match tokio::time::timeout(limits.header_read, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => serve_stream(stream, started, remote, app, limits, stopping, permit).await,
        Ok(Err(e)) => tracing::debug!(error = %e, %remote, "TLS handshake failed"),
        Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
    }
}

/// Serves HTTP/1.1 on an accepted (and, with TLS, handshaken) stream.
async fn serve_stream<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    accepted: Instant,
    remote: SocketAddr,
    app: Router,
    limits: Limits,
    mut stopping: watch::Receiver<()>,
    _permit: OwnedSemaphorePermit,
) {
    let phase: SharedPhase = Arc::new(watch::Sender::new(Phase::Fresh(accepted)));
    let mut phases = phase.subscribe();
    let io = TokioIo::new(Watched { stream, phase: phase.clone(), linger: None });
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let busy = Busy::start(phase.clone());
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(remote));
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap_or_else(|never: Infallible| match never {});
            Ok::<_, Infallible>(response.map(|body| Tracked { body, _busy: busy }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read + limits.keep_alive)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let now = *phases.borrow_and_update();
        if draining && matches!(now, Phase::Fresh(_)) {
            // Shutting down, and no request has started on this connection.
            return;
        }
        tokio::select! {
            biased;
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, %remote, "connection ended with an error");
                }
                return;
            }
            Ok(()) = phases.changed() => {}
            _ = stopping.changed(), if !draining => {
                draining = true;
                // Closes the connection now if it is idle, otherwise after the current answer.
                conn.as_mut().graceful_shutdown();
            }
            () = until(now.deadline(&limits)) => {
                if phases.borrow().deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(%remote, phase = ?now, "closing a connection that timed out");
                    return;
                }
            }
        }
    }
}

async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Marks the connection busy from a request's head until its response body is dropped.
struct Busy(SharedPhase);

impl Busy {
    fn start(phase: SharedPhase) -> Self {
        phase.send_replace(Phase::Busy);
        Busy(phase)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.send_replace(Phase::Idle(Instant::now()));
    }
}

/// A response body that keeps its connection busy while hyper still sends it.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's stream, reporting activity to its phase and closing with a linger.
struct Watched<S> {
    stream: S,
    phase: SharedPhase,
    linger: Option<Pin<Box<Sleep>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.phase.send_if_modified(|phase| match *phase {
                Phase::Fresh(since) => {
                    *phase = Phase::Head(since);
                    true
                }
                Phase::Idle(_) => {
                    *phase = Phase::Head(Instant::now());
                    true
                }
                Phase::Head(_) | Phase::Busy => false,
            });
        }
        Poll::Ready(Ok(()))
    }
}

impl<S> Watched<S> {
    /// Bytes written while idle (the tail of a response) keep the connection alive.
    fn wrote(&self, n: usize) {
        if n > 0 {
            self.phase.send_if_modified(|phase| match phase {
                Phase::Idle(since) => {
                    *since = Instant::now();
                    true
                }
                _ => false,
            });
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        this.wrote(n);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.stream).poll_write_vectored(cx, bufs))?;
        this.wrote(n);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    /// Sends FIN, then reads and drops what the client still sends until it closes too or
    /// [`LINGER`] passes: closing a socket with unread data makes the kernel send a reset,
    /// which can destroy the answer before the client has read it.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.linger.is_none() {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
            this.linger = Some(Box::pin(tokio::time::sleep(LINGER)));
        }
        let mut scratch = [0u8; 4096];
        loop {
            if this.linger.as_mut().is_none_or(|linger| linger.as_mut().poll(cx).is_ready()) {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {}
                // The client closed its side, or the socket is gone: done.
                Poll::Ready(_) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
