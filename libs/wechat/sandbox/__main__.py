from libs.wechat.sandbox.server import main

main()
