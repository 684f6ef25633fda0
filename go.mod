module github.com/wgtrain/wgtrain

go 1.26
