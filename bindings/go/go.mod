module github.com/txenrich/txenrich/bindings/go

go 1.19
