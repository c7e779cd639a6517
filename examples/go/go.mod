module github.com/txenrich/txenrich/examples/go

go 1.19

require github.com/txenrich/txenrich/bindings/go v0.0.0

replace github.com/txenrich/txenrich/bindings/go => ../../bindings/go
