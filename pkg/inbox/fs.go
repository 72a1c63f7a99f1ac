package inbox

import (
	"embed"
	"io/fs"
)

func fsSub(f embed.FS) (fs.FS, error) { return fs.Sub(f, "migrations") }
