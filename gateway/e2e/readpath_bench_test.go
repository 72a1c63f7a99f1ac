package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
)

// readPathConnections is the load of issue 18's read-path target: 64 keep-alive connections.
const readPathConnections = 64

// BenchmarkProfileReadPath loads GET /v1/profiles/{id} on the all-in-one platform (a bearer
// token, tracing, the audit log and the profile's store in the path) with 64 keep-alive
// connections, and in the same run its floor: the project's own generated grpc-gateway handler
// over a loopback gRPC hop to a server that returns the same profile from memory. Each gets b.N
// requests. It reports requests per second and p99 of both, and the ratio (target 0.7 or more,
// with p99 under 10 ms).
//
//	cd gateway && go test -run '^$' -bench ProfileReadPath -benchtime 20000x ./e2e/
func BenchmarkProfileReadPath(b *testing.B) {
	p := startPlatform(b, b.TempDir(), func(_ *platform, cfg *allinone.Config) { cfg.Gateway.RateLimit = -1 })
	_, token := p.createAccount("CONSULTANT", "Bench Consultant")
	id := str(p.mustCall("POST", "/v1/profiles", token, profileBody("Bench Consultant", nil)), "profile", "id")
	path := "/v1/profiles/" + id
	body := p.call("GET", path, token, nil)
	if body.status != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, body.status, body.raw)
	}

	floorURL := startReadPathFloor(b, []byte(body.raw))

	b.ResetTimer()
	gateway := loadWithConnections(b, p.url+path, token, b.N)
	floor := loadWithConnections(b, floorURL+path, "", b.N)
	b.StopTimer()

	b.ReportMetric(gateway.perSecond, "gateway-req/s")
	b.ReportMetric(gateway.p99Ms, "gateway-p99-ms")
	b.ReportMetric(floor.perSecond, "floor-req/s")
	b.ReportMetric(floor.p99Ms, "floor-p99-ms")
	b.ReportMetric(gateway.perSecond/floor.perSecond, "ratio")
	b.Logf("GET /v1/profiles/{id} (%d bytes), %d connections: gateway %.0f req/s p99 %.1f ms; floor %.0f req/s p99 %.1f ms; ratio %.2f",
		len(body.raw), readPathConnections, gateway.perSecond, gateway.p99Ms, floor.perSecond, floor.p99Ms, gateway.perSecond/floor.perSecond)
}

// profileFromMemory answers GetProfile with one profile, whatever the id.
type profileFromMemory struct {
	profilev1.UnimplementedProfileServiceServer
	answer *profilev1.GetProfileResponse
}

func (s *profileFromMemory) GetProfile(context.Context, *profilev1.GetProfileRequest) (*profilev1.GetProfileResponse, error) {
	return s.answer, nil
}

// startReadPathFloor serves the generated handler of ProfileService over loopback gRPC, returning
// the profile the platform answered (raw, its JSON), and returns the floor's base URL.
func startReadPathFloor(b *testing.B, raw []byte) string {
	b.Helper()
	answer := &profilev1.GetProfileResponse{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, answer); err != nil {
		b.Fatalf("the platform's profile does not decode: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer()
	profilev1.RegisterProfileServiceServer(srv, &profileFromMemory{answer: answer})
	go func() { _ = srv.Serve(lis) }()
	b.Cleanup(srv.Stop)

	mux := runtime.NewServeMux()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	if err := profilev1.RegisterProfileServiceHandlerFromEndpoint(ctx, mux, lis.Addr().String(),
		[]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}); err != nil {
		b.Fatal(err)
	}
	floor := httptest.NewServer(mux)
	b.Cleanup(floor.Close)
	return floor.URL
}

type loadResult struct {
	perSecond float64
	p99Ms     float64
}

// loadWithConnections sends n GETs of url over readPathConnections keep-alive connections, as
// many at a time, and measures each from the request to the last byte of its answer.
func loadWithConnections(b *testing.B, url, token string, n int) loadResult {
	b.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: readPathConnections, MaxConnsPerHost: readPathConnections}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	var (
		next      atomic.Int64
		failed    atomic.Value
		wg        sync.WaitGroup
		latencies = make([][]time.Duration, readPathConnections)
	)
	started := time.Now()
	for w := range readPathConnections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				req, err := http.NewRequest(http.MethodGet, url, nil)
				if err != nil {
					failed.Store(err)
					return
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Errorf("GET: status %d, %v", resp.StatusCode, err))
					return
				}
				latencies[w] = append(latencies[w], time.Since(start))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return loadResult{
		perSecond: float64(len(all)) / elapsed.Seconds(),
		p99Ms:     float64(all[len(all)*99/100].Microseconds()) / 1000,
	}
}
