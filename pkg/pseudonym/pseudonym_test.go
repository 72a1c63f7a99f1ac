package pseudonym

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestTheKeyIsGeneratedOncePerInstallationAndPrivate(t *testing.T) {
	dir := t.TempDir()
	first, generated, err := Load("", dir)
	if err != nil || !generated {
		t.Fatalf("first load: generated=%v err=%v", generated, err)
	}
	again, generated, err := Load("", dir)
	if err != nil || generated || string(again) != string(first) {
		t.Fatalf("second load: generated=%v err=%v same=%v", generated, err, string(again) == string(first))
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	other, _, err := Load("", t.TempDir())
	if err != nil || string(other) == string(first) {
		t.Errorf("another installation got the same key (err %v)", err)
	}
}

func TestProcessesStartingTogetherShareOneKey(t *testing.T) {
	dir := t.TempDir()
	keys := make([]Key, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, _, err := Load("", dir)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if string(k) != string(keys[0]) {
			t.Fatal("two processes of one installation made different keys")
		}
	}
}

func TestAConfiguredKeyWinsAndAShortOneIsRefused(t *testing.T) {
	k, generated, err := Load("a-secret-of-enough-length", t.TempDir())
	if err != nil || generated || string(k) != "a-secret-of-enough-length" {
		t.Fatalf("configured key: %q %v %v", k, generated, err)
	}
	if _, _, err := Load("short", t.TempDir()); err == nil {
		t.Error("a 5-character key was accepted")
	}
}

func TestPseudonymsAreKeyedStableAndIdempotent(t *testing.T) {
	a, b := Key("key-one-of-enough-length"), Key("key-two-of-enough-length")
	p := a.Of("profile-1")
	if !strings.HasPrefix(p, Prefix) || len(p) != len(Prefix)+16 {
		t.Fatalf("pseudonym %q", p)
	}
	if a.Of("profile-1") != p || a.Of(p) != p {
		t.Error("a pseudonym changed on a second erasure")
	}
	if b.Of("profile-1") == p || a.Of("profile-2") == p {
		t.Error("pseudonyms do not depend on both key and id")
	}
}
