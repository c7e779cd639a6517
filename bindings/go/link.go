//go:build !txenrich_custom_link

package txenrich

// The library is linked statically from the repository's release build
// (`cargo build --release -p txenrich-ffi`), so that programs need no
// shared library at run time. To link another build, use the build tag
// txenrich_custom_link and set CGO_LDFLAGS, for example
//   CGO_LDFLAGS="-L/opt/txenrich/lib -ltxenrich_ffi" go build -tags txenrich_custom_link

/*
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libtxenrich_ffi.a -ldl -lm -lpthread
*/
import "C"
