// Command pion-turn is a small TURN server built on pion/turn v2 (an independent TURN
// implementation: not coturn), for iceprobe's peer test tier (test/peers).
//
// It listens on 127.0.0.1 over UDP, TCP and (with -cert/-key) TLS, relays on 127.0.0.1,
// and authenticates one static long-term user (RFC 8489 §9.2). A port of 0 picks a free
// one. When every listener is up it prints one JSON line with the bound ports:
//
//	{"udp":40001,"tcp":40002,"tls":40003}
//
// It stops on SIGINT/SIGTERM or when its stdin closes (so it never outlives the test).
//
// Built offline in GOPATH mode against Debian's golang-github-pion-turn.v2-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o pion-turn .
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/pion/logging"
	"github.com/pion/turn/v2"
)

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion-turn: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen and relay on (loopback)")
	udpPort := flag.Int("udp-port", 0, "UDP listening port (0: pick one; -1: no UDP listener)")
	tcpPort := flag.Int("tcp-port", 0, "TCP listening port (0: pick one; -1: no TCP listener)")
	tlsPort := flag.Int("tls-port", 0, "TLS listening port (0: pick one; -1: none); needs -cert and -key")
	certFile := flag.String("cert", "", "PEM certificate (chain) for the TLS listener")
	keyFile := flag.String("key", "", "PEM private key for the TLS listener")
	realm := flag.String("realm", "pion.test", "REALM of the long-term credentials")
	user := flag.String("user", "", "static user as name=password")
	flag.Parse()

	name, password := "", ""
	for i := 0; i < len(*user); i++ {
		if (*user)[i] == '=' {
			name, password = (*user)[:i], (*user)[i+1:]
			break
		}
	}
	if name == "" {
		fail("-user name=password is required")
	}
	key := turn.GenerateAuthKey(name, *realm, password)
	relay := func() turn.RelayAddressGenerator {
		return &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP(*host), Address: *host}
	}
	ports := map[string]int{}
	logs := logging.NewDefaultLoggerFactory()
	logs.Writer = os.Stderr // stdout carries only the ports line
	cfg := turn.ServerConfig{
		Realm:         *realm,
		LoggerFactory: logs,
		AuthHandler: func(username, _ string, _ net.Addr) ([]byte, bool) {
			if username == name {
				return key, true
			}
			return nil, false
		},
	}
	at := func(port int) string { return net.JoinHostPort(*host, fmt.Sprint(port)) }

	if *udpPort >= 0 {
		pc, err := net.ListenPacket("udp4", at(*udpPort))
		if err != nil {
			fail("udp listen: %v", err)
		}
		ports["udp"] = pc.LocalAddr().(*net.UDPAddr).Port
		cfg.PacketConnConfigs = append(cfg.PacketConnConfigs, turn.PacketConnConfig{PacketConn: pc, RelayAddressGenerator: relay()})
	}
	if *tcpPort >= 0 {
		l, err := net.Listen("tcp4", at(*tcpPort))
		if err != nil {
			fail("tcp listen: %v", err)
		}
		ports["tcp"] = l.Addr().(*net.TCPAddr).Port
		cfg.ListenerConfigs = append(cfg.ListenerConfigs, turn.ListenerConfig{Listener: l, RelayAddressGenerator: relay()})
	}
	if *tlsPort >= 0 && *certFile != "" {
		cer, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail("certificate: %v", err)
		}
		l, err := tls.Listen("tcp4", at(*tlsPort), &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cer}})
		if err != nil {
			fail("tls listen: %v", err)
		}
		ports["tls"] = l.Addr().(*net.TCPAddr).Port
		cfg.ListenerConfigs = append(cfg.ListenerConfigs, turn.ListenerConfig{Listener: l, RelayAddressGenerator: relay()})
	}

	s, err := turn.NewServer(cfg)
	if err != nil {
		fail("server: %v", err)
	}
	line, _ := json.Marshal(ports)
	fmt.Println(string(line))

	stop := make(chan struct{}, 2)
	go func() {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
		<-sigs
		stop <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop <- struct{}{}
	}()
	<-stop
	_ = s.Close()
}
