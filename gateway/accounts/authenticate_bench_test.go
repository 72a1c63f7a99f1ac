package accounts

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// BenchmarkAuthenticate is what checking every request against the database costs, among
// 5,000 accounts with two tokens each.
func BenchmarkAuthenticate(b *testing.B) {
	for _, backend := range sqltest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			s := openStore(b, backend.Open(b))
			ctx := context.Background()
			var secrets []string
			for i := range 5_000 {
				acc, token, err := s.Create(ctx, identity.RoleFirm, fmt.Sprint("Firm ", i), "")
				if err != nil {
					b.Fatal(err)
				}
				if _, secret, err := s.CreateToken(ctx, acc.ID, KindAPI, "ats", time.Hour); err != nil {
					b.Fatal(err)
				} else if i%2 == 0 {
					token = secret
				}
				secrets = append(secrets, token)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, _, err := s.Authenticate(ctx, secrets[i%len(secrets)]); err != nil {
						b.Error(err)
						return
					}
					i += 7
				}
			})
		})
	}
}
