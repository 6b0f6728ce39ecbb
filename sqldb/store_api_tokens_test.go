package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Named API tokens: made once and shown once, stored only hashed, listed without the
// token, refused at once when revoked, one token's revocation leaving the others alone,
// last use noted at most once a minute.
func testAPITokens(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	clock := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	a, b := u.id("zapier"), u.id("ops-laptop.2")
	tokA, recA, err := db.CreateAPIToken(ctx, a)
	if err != nil || !strings.HasPrefix(tokA, "lrat_") || len(tokA) < 40 || recA.Name != a || !recA.CreatedAt.Equal(clock) {
		t.Fatalf("CreateAPIToken: %q %+v %v", tokA, recA, err)
	}
	tokB, _, err := db.CreateAPIToken(ctx, b)
	if err != nil || tokB == tokA {
		t.Fatalf("second token: %v (same as the first: %v)", err, tokB == tokA)
	}
	if _, _, err := db.CreateAPIToken(ctx, a); leadrun.ErrorCode(err) != leadrun.ECONFLICT || !strings.Contains(leadrun.ErrorMessage(err), "revoke") {
		t.Errorf("same name again: %v, want ECONFLICT saying how to revoke", err)
	}
	for _, bad := range []string{"", "Zapier", "has space", "new\nline", "admin", strings.Repeat("a", 65), "é"} {
		if _, _, err := db.CreateAPIToken(ctx, bad); leadrun.ErrorCode(err) != leadrun.EINVALID {
			t.Errorf("name %q: %v, want EINVALID", bad, err)
		}
	}
	mine := func() map[string]*leadrun.APIToken {
		t.Helper()
		all, err := db.FindAPITokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*leadrun.APIToken{}
		for _, tk := range all {
			if strings.HasPrefix(tk.Name, u.prefix) {
				out[tk.Name] = tk
			}
		}
		return out
	}
	if got := mine(); len(got) != 2 || got[a].LastUsedAt != nil || !got[a].CreatedAt.Equal(clock) {
		t.Fatalf("FindAPITokens: %+v", got)
	}

	if name, err := db.AuthenticateAPIToken(ctx, tokA); err != nil || name != a {
		t.Fatalf("AuthenticateAPIToken: %q %v", name, err)
	}
	if got := mine()[a].LastUsedAt; got == nil || !got.Equal(clock) {
		t.Errorf("last used %v, want %v", got, clock)
	}
	clock = clock.Add(30 * time.Second)
	if _, err := db.AuthenticateAPIToken(ctx, tokA); err != nil {
		t.Fatal(err)
	}
	if got := mine()[a].LastUsedAt; !got.Equal(clock.Add(-30 * time.Second)) {
		t.Errorf("last used written again after 30 s: %v", got)
	}
	clock = clock.Add(2 * time.Minute)
	if _, err := db.AuthenticateAPIToken(ctx, tokA); err != nil {
		t.Fatal(err)
	}
	if got := mine()[a].LastUsedAt; !got.Equal(clock) {
		t.Errorf("last used %v after 2 min, want %v", got, clock)
	}
	for _, wrong := range []string{"", "lrat_nope", tokA + "x", strings.ToUpper(tokA)} {
		if name, err := db.AuthenticateAPIToken(ctx, wrong); leadrun.ErrorCode(err) != leadrun.EUNAUTHORIZED || name != "" ||
			(wrong != "" && strings.Contains(err.Error(), wrong)) {
			t.Errorf("token %q: %q %v, want EUNAUTHORIZED not naming it", wrong, name, err)
		}
	}

	if err := db.RevokeAPIToken(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AuthenticateAPIToken(ctx, tokA); leadrun.ErrorCode(err) != leadrun.EUNAUTHORIZED {
		t.Errorf("revoked token: %v, want EUNAUTHORIZED", err)
	}
	if name, err := db.AuthenticateAPIToken(ctx, tokB); err != nil || name != b {
		t.Errorf("the other token after a revocation: %q %v", name, err)
	}
	if err := db.RevokeAPIToken(ctx, a); leadrun.ErrorCode(err) != leadrun.ENOTFOUND {
		t.Errorf("revoke twice: %v, want ENOTFOUND", err)
	}
	if got := mine(); len(got) != 1 || got[b] == nil {
		t.Errorf("after revoking %s: %+v", a, got)
	}
	// The name is free again, with a new token.
	tokA2, _, err := db.CreateAPIToken(ctx, a)
	if err != nil || tokA2 == tokA {
		t.Fatalf("re-add: %v", err)
	}
	if _, err := db.AuthenticateAPIToken(ctx, tokA); leadrun.ErrorCode(err) != leadrun.EUNAUTHORIZED {
		t.Errorf("the old token of a re-added name: %v", err)
	}
	sqldbtest.MustNotStore(t, db, tokA, tokA2, tokB)
}
