package pages

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
)

// TestScriptAndStyleStayLight: everything a page loads besides itself — the vendored scripts
// and the stylesheet — is under 100 KB together.
func TestScriptAndStyleStayLight(t *testing.T) {
	total := 0
	err := fs.WalkDir(staticFiles, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(staticFiles, name)
		total += len(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || total > 100_000 {
		t.Errorf("script and style weigh %d bytes, want under 100 KB", total)
	}
	t.Logf("script and style: %d bytes", total)
}

// TestVendoredScriptsAreThePinnedOnes: the scripts in the binary are the files tools/npm.lock
// pins (make vendor-web writes them), byte for byte.
func TestVendoredScriptsAreThePinnedOnes(t *testing.T) {
	lock, err := os.Open("../../tools/npm.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	pins := map[string]string{} // file's base name → sha256
	lines := bufio.NewScanner(lock)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) == 5 && !strings.HasPrefix(fields[0], "#") {
			pins[path.Base(fields[3])] = fields[4]
		}
	}
	vendored, _ := fs.Glob(staticFiles, "static/vendor/*")
	if len(vendored) == 0 {
		t.Fatal("no vendored script")
	}
	for _, name := range vendored {
		data, _ := fs.ReadFile(staticFiles, name)
		sum := sha256.Sum256(data)
		if want, ok := pins[path.Base(name)]; !ok || hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s is not the file tools/npm.lock pins (run make vendor-web)", name)
		}
	}
}
