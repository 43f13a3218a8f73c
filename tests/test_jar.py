"""The runnable jar: lean (only the Netty parts the server loads) and serving on both transports."""
import platform
import re
import zipfile

import pytest

from conftest import assert_fields, uid
from kvserver import JAR, require_jar

EPOLL_NATIVE = "META-INF/native/libnetty_transport_native_epoll_x86_64.so"
# Ratis's gRPC serves TLS (--peer-tls-*) only through OpenSSL, which it loads from its own shaded tcnative.
PEER_TLS_NATIVE = "META-INF/native/liborg_apache_ratis_thirdparty_netty_tcnative_linux_x86_64.so"
ON_LINUX_X86_64 = platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def transport_of(server):
    m = re.search(r"kvstore listening on \S+ \((\w+)\)", server.stderr())
    assert m, f"no start-up line naming the transport:\n{server.stderr()}"
    return m.group(1)


def assert_serves(server):
    key = uid("jar") + "k"
    assert server.put_key(key, {"n": 1}).status_code == 200
    assert_fields(server.get_key(key).json(), {"key": key, "value": {"n": 1}})
    assert server.list_keys(key) == [key]
    res = server.batch([{"op": "set", "key": key + "2", "value": 2}, {"op": "delete", "key": key}])
    assert res.status_code == 200, res.text
    assert server.get_key(key).status_code == 404


@pytest.mark.skipif(not ON_LINUX_X86_64, reason="the jar carries the epoll native library for linux-x86_64 only")
def test_serves_on_epoll(server):
    assert transport_of(server) == "epoll"
    assert_serves(server)


def test_serves_on_nio_when_the_native_transport_is_off(server_factory):
    # Netty's own switch; the launcher prints one "Picked up" note for it on stderr.
    server = server_factory(env={"JDK_JAVA_OPTIONS": "-Dio.netty.transport.noNative=true"})
    assert transport_of(server) == "nio"
    assert_serves(server)


def test_jar_carries_only_the_native_library_it_loads():
    with zipfile.ZipFile(require_jar()) as jar:
        names = jar.namelist()
    natives = [n for n in names if re.search(r"\.(so|dll|dylib|jnilib)$", n)]
    assert sorted(natives) == sorted([EPOLL_NATIVE, PEER_TLS_NATIVE]), natives
    for left_out in ("io/netty/handler/codec/quic/", "io/netty/handler/codec/http3/",
                     "io/netty/handler/codec/http2/", "io/netty/channel/kqueue/", "io/netty/channel/uring/",
                     "io/netty/resolver/dns/", "io/netty/handler/codec/mqtt/"):
        assert not any(n.startswith(left_out) for n in names), f"{left_out} is in {JAR}"
    # What the server loads, and the TLS handler it is about to load.
    for kept in ("io/netty/handler/codec/http/HttpServerCodec.class", "io/netty/handler/ssl/SslHandler.class",
                 "io/netty/handler/timeout/IdleStateHandler.class", "io/netty/channel/epoll/Epoll.class",
                 "io/netty/channel/nio/NioIoHandler.class", "kvstore/netty/cli/Main.class"):
        assert kept in names, f"{kept} missing from {JAR}"
