// Package catalogue loads message catalogues (go-i18n, TOML files named after their language)
// in every language the platform speaks, and checks that they say the same things.
package catalogue

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/caiomatch/caiomatch/pkg/locale"
)

// Load reads <dir>/<language>.toml from fsys for every language of locale.Supported, and the
// <dir>/<part>.<language>.toml files that split a large catalogue by area.
func Load(fsys fs.FS, dir string) (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range locale.Supported {
		files, err := files(fsys, dir, l)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			if _, err := b.LoadMessageFileFS(fsys, file); err != nil {
				return nil, fmt.Errorf("catalogue %s: %w", l, err)
			}
		}
	}
	return b, nil
}

// files are the catalogue files of language l: <l>.toml first, which must exist, then the parts.
func files(fsys fs.FS, dir string, l locale.Language) ([]string, error) {
	main := path.Join(dir, string(l)+".toml")
	if _, err := fs.Stat(fsys, main); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", l, err)
	}
	parts, err := fs.Glob(fsys, path.Join(dir, "*."+string(l)+".toml"))
	if err != nil {
		return nil, err
	}
	return append([]string{main}, parts...), nil
}

// Lazy is Load done once, on first use, for catalogues embedded in the binary: one that does
// not load is a bug (which a test calling Check finds), so it panics, naming owner.
func Lazy(owner string, fsys fs.FS, dir string) func() *i18n.Bundle {
	return sync.OnceValue(func() *i18n.Bundle {
		b, err := Load(fsys, dir)
		if err != nil {
			panic(owner + ": " + err.Error())
		}
		return b
	})
}

// Check loads the catalogues and reports the message ids some language lacks.
func Check(fsys fs.FS, dir string) error {
	if _, err := Load(fsys, dir); err != nil {
		return err
	}
	ids := map[locale.Language][]string{}
	var all []string
	for _, l := range locale.Supported {
		files, err := files(fsys, dir, l)
		if err != nil {
			return err
		}
		for _, file := range files {
			var messages map[string]any
			if _, err := toml.DecodeFS(fsys, file, &messages); err != nil {
				return fmt.Errorf("catalogue %s: %w", l, err)
			}
			for id := range messages {
				if slices.Contains(ids[l], id) {
					return fmt.Errorf("catalogue %s says %s twice", l, id)
				}
				ids[l] = append(ids[l], id)
				if !slices.Contains(all, id) {
					all = append(all, id)
				}
			}
		}
	}
	slices.Sort(all)
	for _, l := range locale.Supported {
		for _, id := range all {
			if !slices.Contains(ids[l], id) {
				return fmt.Errorf("catalogue %s has no message %s", l, id)
			}
		}
	}
	return nil
}
