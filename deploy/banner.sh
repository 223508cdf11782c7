#!/usr/bin/env bash
# Part of `make up`: once every service answers, say where things are. Stays alive because honcho stops all
# processes when one exits.
for _ in $(seq 120); do
  curl -sf http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break
  sleep 1
done
# the demo's booking rules and reply templates are saved through the running services (services/cases/demo.py)
.venv/bin/python -m services.cases.demo || echo "  (demo booking rules not loaded: see the log above)"
.venv/bin/python -m services.messaging.demo || echo "  (demo menu not published: see the log above)"
cat <<'TXT'

  ✅ 微政务 is up (Ctrl-C stops everything)
     微信沙箱（手机）   http://127.0.0.1:8090/          chat as a citizen: 关注, the menu, send a case number
     工作台登录         http://127.0.0.1:8080/admin/login
                        shouli / demo12345 (受理中心, all departments)   huanbao / demo12345 (环保局)
                        shichang / demo12345 (市场监管局)   admin / demo12345 (系统管理员: also 事件运维)
                        renshe / demo12345 (人社局 content editor)   chuangkou / demo12345 (人社局窗口: 预约签到)
                        duban / demo12345 (督办: overdue cases, extensions)   hbjz / demo12345 (环保局局长)
                        yunying / demo12345 (公众号运营: 留言, 粉丝, 群发, 素材, 回复设置, 菜单, 二维码, 微投票, 微调研, 评价审核)
                        shenhe / demo12345 (公众号审核: approves yunying's mass sends and articles)
                        hbyunying, hbshenhe / demo12345 (市生态环境局's own Official Account, callback /wechat/hbj)
     微官网             http://127.0.0.1:8080/h5/
     API (OpenAPI)      http://127.0.0.1:8080/api/openapi.json
     Open311            http://127.0.0.1:8080/open311/v2/services.json   (key open311-demo-key-for-development)
     就绪检查           http://127.0.0.1:8080/readyz

TXT
exec sleep infinity
