package dev.outpost.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ListenAddressesTest {
    @Test
    void parsesHostAndPort() {
        assertEquals(new InetSocketAddress("0.0.0.0", 8443), ListenAddresses.parse("0.0.0.0:8443"));
        assertEquals(new InetSocketAddress("127.0.0.1", 0), ListenAddresses.parse("127.0.0.1:0"));
        assertEquals(new InetSocketAddress("::1", 65535), ListenAddresses.parse("[::1]:65535"));
        assertEquals(4318, ListenAddresses.parse("localhost:4318").getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0:8443", "127.0.0.1:0", "localhost:4318"})
    void formatsAsWritten(String text) {
        assertEquals(text, ListenAddresses.format(ListenAddresses.parse(text)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::]:8443", "[2001:db8::1]:4318"})
    void formatsIpv6InBracketsThatParseBack(String text) {
        InetSocketAddress address = ListenAddresses.parse(text);
        assertEquals(address, ListenAddresses.parse(ListenAddresses.format(address)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8443", "0.0.0.0", "0.0.0.0:", ":8443", "::1:8443", "[::1]8443", "0.0.0.0:-1",
        "0.0.0.0:http", "0.0.0.0:1234567890"})
    void rejectsWhatIsNotHostColonPort(String text) {
        assertEquals("\"" + text + "\" is not host:port; use e.g. \"0.0.0.0:8443\", with an IPv6 address in brackets: "
                + "\"[::]:8443\"", assertThrows(IllegalArgumentException.class, () -> ListenAddresses.parse(text))
                .getMessage());
    }

    @Test
    void rejectsPortOutOfRange() {
        assertEquals("\"0.0.0.0:65536\" has port 65536, out of range 0..65535",
                assertThrows(IllegalArgumentException.class, () -> ListenAddresses.parse("0.0.0.0:65536")).getMessage());
    }
}
