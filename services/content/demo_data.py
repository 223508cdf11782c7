"""Demo data for the public service catalogue of a fictional prefecture-level city's "微政务" WeChat account.

Plain Python data, in Chinese (zh-CN): departments with their leaders, service windows of the government service
hall and the service types they handle (with Open311 GeoReport v2 style form fields), services that belong to no
window, news notices and photo albums. Run this file directly to check the data against its constraints.
"""

from datetime import date

# Departments. The first five ids and names are fixed: other code depends on them.
DEPARTMENTS = [
    {
        "id": 1,
        "name": "市人力资源和社会保障局",
        "remit": "就业促进、社会保险、劳动关系与劳动仲裁",
        "description": (
            "负责全市就业促进、社会保险、劳动关系和人才人事管理工作。"
            "承担失业保险待遇发放、职业技能培训补贴、劳动人事争议仲裁等事项的受理和办理。"
            "社会保障卡业务由局属社会保险服务中心在市民中心统一办理。"
        ),
        "phone": "0571-12333",
        "address": "市民大道288号市民中心A座3楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2712,
        "longitude": 120.1621,
        "leaders": [
            {"name": "王建国", "title": "局长", "duties": "主持局全面工作，分管办公室、规划财务处。"},
            {"name": "李秀梅", "title": "副局长", "duties": "分管就业促进、职业能力建设和人才开发工作。"},
            {"name": "陈志强", "title": "副局长", "duties": "分管社会保险、劳动关系和劳动保障监察工作。"},
        ],
    },
    {
        "id": 2,
        "name": "市生态环境局",
        "remit": "环境污染防治、环境执法与投诉受理",
        "description": (
            "负责全市生态环境保护的统一监督管理，组织大气、水、"
            "土壤、噪声和固体废物污染防治。承担建设项目环境影响评价审批、"
            "排污许可管理和生态环境执法工作。受理公众环境污染举报，"
            "24小时举报电话12369。"
        ),
        "phone": "0571-12369",
        "address": "市民大道288号市民中心B座5楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2714,
        "longitude": 120.1627,
        "leaders": [
            {"name": "张卫东", "title": "局长", "duties": "主持局全面工作，分管综合处和生态环境保护督察工作。"},
            {"name": "刘红霞", "title": "副局长", "duties": "分管大气、水生态环境和环境监测工作。"},
            {"name": "周文斌", "title": "副局长", "duties": "分管环境影响评价、排污许可和生态环境执法工作。"},
        ],
    },
    {
        "id": 3,
        "name": "市市场监督管理局",
        "remit": "市场主体登记、食品药品安全、消费维权",
        "description": (
            "负责全市市场主体登记注册、食品安全监督管理、产品质量和特种设备安全监管。"
            "承担价格监督检查、知识产权保护和消费者权益保护工作。"
            "受理消费投诉举报，投诉举报电话12315。"
        ),
        "phone": "0571-12315",
        "address": "市民大道288号市民中心C座2楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2709,
        "longitude": 120.1630,
        "leaders": [
            {"name": "杨丽华", "title": "局长", "duties": "主持局全面工作，分管办公室和法规科。"},
            {"name": "赵国平", "title": "副局长", "duties": "分管登记注册、食品经营安全监管工作。"},
            {"name": "黄晓燕", "title": "副局长", "duties": "分管消费者权益保护、价格监督检查和反不正当竞争工作。"},
        ],
    },
    {
        "id": 4,
        "name": "市住房和城乡建设局",
        "remit": "住房保障、物业管理、建筑市场监管",
        "description": (
            "负责全市住房保障、房地产市场监管和物业管理工作。"
            "承担公共租赁住房分配、商品房预售许可和建筑市场监督管理。"
            "受理物业服务投诉和房屋安全问题反映。"
        ),
        "phone": "0571-12329",
        "address": "市民大道288号市民中心A座6楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2713,
        "longitude": 120.1619,
        "leaders": [
            {"name": "吴海燕", "title": "局长", "duties": "主持局全面工作，分管办公室和计划财务科。"},
            {"name": "徐明亮", "title": "副局长", "duties": "分管住房保障、房地产市场和物业管理工作。"},
            {"name": "孙桂芳", "title": "副局长", "duties": "分管建筑市场、工程质量安全和城市更新工作。"},
        ],
    },
    {
        "id": 5,
        "name": "市交通运输局",
        "remit": "道路运输、出租车与公交服务监管",
        "description": (
            "负责全市公路、道路运输和城市公共交通的行业管理。"
            "承担出租汽车、网络预约出租汽车和公交线路的服务质量监管，"
            "办理道路运输从业人员资格管理事项。受理交通运输服务投诉，"
            "服务电话12328。"
        ),
        "phone": "0571-12328",
        "address": "市民大道288号市民中心D座1楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2706,
        "longitude": 120.1624,
        "leaders": [
            {"name": "胡永刚", "title": "局长", "duties": "主持局全面工作，分管综合规划和安全监督工作。"},
            {"name": "朱晓红", "title": "副局长", "duties": "分管道路运输、城市客运和行业服务质量监管工作。"},
        ],
    },
    {
        "id": 6,
        "name": "市民政局",
        "remit": "社会救助、养老服务、婚姻登记、社会组织管理",
        "description": (
            "负责全市最低生活保障、特困人员救助供养、临时救助等社会救助工作。"
            "承担养老服务体系建设、婚姻登记、殡葬管理和社会组织登记管理。"
            "困难群众可向户籍所在地乡镇（街道）提出救助申请。"
        ),
        "phone": "0571-87023456",
        "address": "文化路56号",
        "hours": "工作日 8:30-12:00, 13:30-17:00",
        "latitude": 30.2789,
        "longitude": 120.1483,
        "leaders": [
            {"name": "高建华", "title": "局长", "duties": "主持局全面工作，分管办公室和社会救助工作。"},
            {"name": "林春燕", "title": "副局长", "duties": "分管养老服务、儿童福利和婚姻登记工作。"},
            {"name": "何志军", "title": "副局长", "duties": "分管社会组织管理、区划地名和殡葬管理工作。"},
        ],
    },
    {
        "id": 7,
        "name": "市卫生健康委员会",
        "remit": "医疗卫生服务监管、疾病预防控制、妇幼健康与预防接种",
        "description": (
            "负责全市医疗卫生服务体系建设和医疗机构监督管理。"
            "组织疾病预防控制、预防接种、妇幼健康和老年健康工作。"
            "受理医疗服务投诉，卫生健康服务热线12320。"
        ),
        "phone": "0571-12320",
        "address": "建设路101号",
        "hours": "工作日 8:30-12:00, 13:30-17:00",
        "latitude": 30.2655,
        "longitude": 120.1558,
        "leaders": [
            {"name": "郭丽萍", "title": "主任", "duties": "主持委全面工作，分管办公室和规划发展工作。"},
            {"name": "马德胜", "title": "副主任", "duties": "分管医政医管、基层卫生和中医药工作。"},
            {"name": "罗小琴", "title": "副主任", "duties": "分管疾病预防控制、妇幼健康和卫生监督工作。"},
        ],
    },
    {
        "id": 8,
        "name": "市教育局",
        "remit": "义务教育招生入学、学生资助、民办学校与校外培训监管",
        "description": (
            "负责全市各级各类教育的统筹规划和管理。组织义务教育阶段招生入学、"
            "学生资助和教师队伍建设工作。承担民办学校和校外培训机构的审批与监管。"
        ),
        "phone": "0571-87031234",
        "address": "学院路20号",
        "hours": "工作日 8:30-12:00, 13:30-17:00",
        "latitude": 30.2868,
        "longitude": 120.1402,
        "leaders": [
            {"name": "梁伟民", "title": "局长", "duties": "主持局全面工作，分管办公室和教育督导工作。"},
            {"name": "宋玉兰", "title": "副局长", "duties": "分管基础教育、招生考试和学生资助工作。"},
        ],
    },
    {
        "id": 9,
        "name": "市公安局（户政）",
        "remit": "户口登记与迁移、居民身份证、居住证办理",
        "description": (
            "负责全市户口登记、户口迁移和人口信息管理工作。办理居民身份证申领、"
            "换领、补领和居住证签发。户籍业务可在市民中心户籍与证件窗口或各派出所户籍室办理"
            "。"
        ),
        "phone": "0571-87280110",
        "address": "解放路118号",
        "hours": "工作日 8:30-12:00, 13:30-17:00；周六 9:00-12:00",
        "latitude": 30.2598,
        "longitude": 120.1712,
        "leaders": [
            {"name": "郑国庆", "title": "支队长", "duties": "主持治安户政支队全面工作。"},
            {"name": "谢雪梅", "title": "副支队长", "duties": "分管户籍管理、居民身份证和居住证管理工作。"},
        ],
    },
    {
        "id": 10,
        "name": "市医疗保障局",
        "remit": "医疗保险参保缴费、待遇支付、异地就医备案",
        "description": (
            "负责全市职工基本医疗保险、城乡居民基本医疗保险和生育保险的管理。"
            "承担医疗保障待遇支付、异地就医管理和医保基金监管工作。"
            "医疗保障服务热线12393。"
        ),
        "phone": "0571-12393",
        "address": "市民大道288号市民中心A座4楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2711,
        "longitude": 120.1623,
        "leaders": [
            {"name": "韩振宇", "title": "局长", "duties": "主持局全面工作，分管办公室和基金监管工作。"},
            {"name": "唐淑芬", "title": "副局长", "duties": "分管待遇保障、医药价格和招标采购工作。"},
            {"name": "冯立新", "title": "副局长", "duties": "分管医疗保障经办服务和信息化建设工作。"},
        ],
    },
    {
        "id": 11,
        "name": "市税务局",
        "remit": "税费申报缴纳、发票办理、个人所得税汇算咨询",
        "description": (
            "负责全市税收、社会保险费和有关非税收入的征收管理。"
            "办理纳税人登记、申报缴税、发票领用和税收优惠政策咨询。"
            "纳税服务热线12366。"
        ),
        "phone": "0571-12366",
        "address": "中山北路200号",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2776,
        "longitude": 120.1650,
        "leaders": [
            {"name": "于海波", "title": "局长", "duties": "主持局全面工作，分管办公室和征管科技工作。"},
            {"name": "董秀英", "title": "副局长", "duties": "分管纳税服务、个人所得税和社会保险费征收工作。"},
        ],
    },
    {
        "id": 12,
        "name": "市城市管理局",
        "remit": "市容环境卫生、生活垃圾分类、占道经营与违法建设查处",
        "description": (
            "负责全市市容市貌、环境卫生和生活垃圾分类管理。承担市政设施维护、"
            "户外广告设置管理和城市管理综合执法工作。受理城市管理问题反映，"
            "服务热线12319。"
        ),
        "phone": "0571-12319",
        "address": "环城西路88号",
        "hours": "工作日 8:30-12:00, 13:30-17:00",
        "latitude": 30.2632,
        "longitude": 120.1467,
        "leaders": [
            {"name": "程晓东", "title": "局长", "duties": "主持局全面工作，分管办公室和城市管理综合执法工作。"},
            {"name": "曹玉珍", "title": "副局长", "duties": "分管环境卫生、生活垃圾分类和公厕管理工作。"},
            {"name": "袁志刚", "title": "副局长", "duties": "分管市政设施、户外广告和数字城管工作。"},
        ],
    },
    {
        "id": 13,
        "name": "市行政审批服务局",
        "remit": "政务服务大厅运行管理、企业开办与投资项目集中审批",
        "description": (
            "负责市民中心政务服务大厅的运行管理和窗口工作人员的日常管理。"
            "集中办理企业开办、投资建设项目等行政审批事项，推进“一件事一次办”。"
            "政务服务便民热线12345。"
        ),
        "phone": "0571-12345",
        "address": "市民大道288号市民中心A座1楼",
        "hours": "工作日 9:00-12:00, 13:30-17:00；周六 9:00-12:00（部分窗口）",
        "latitude": 30.2710,
        "longitude": 120.1618,
        "leaders": [
            {"name": "邓丽娟", "title": "局长", "duties": "主持局全面工作，分管办公室和政务服务大厅管理工作。"},
            {"name": "许文涛", "title": "副局长", "duties": "分管企业开办、市场准入和社会事务审批工作。"},
            {"name": "傅春华", "title": "副局长", "duties": "分管投资项目审批和“好差评”督办工作。"},
        ],
    },
    {
        "id": 14,
        "name": "市自然资源和规划局",
        "remit": "国土空间规划、自然资源管理与不动产统一登记",
        "description": (
            "负责全市国土空间规划编制实施和自然资源资产管理。"
            "承担建设用地审批、耕地保护和测绘地理信息管理工作。"
            "下设市不动产登记中心，在市民中心C座1楼设不动产登记大厅。"
        ),
        "phone": "0571-87065678",
        "address": "光明路75号",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "latitude": 30.2824,
        "longitude": 120.1536,
        "leaders": [
            {"name": "沈国华", "title": "局长", "duties": "主持局全面工作，分管办公室和国土空间规划工作。"},
            {"name": "曾美玲", "title": "副局长", "duties": "分管不动产登记、确权登记和测绘地理信息工作。"},
            {"name": "彭建军", "title": "副局长", "duties": "分管耕地保护、用地审批和执法监察工作。"},
        ],
    },
]

HALL_HOURS = "工作日 9:00-12:00, 13:30-17:00"

# Windows of the government service hall and the service types each handles.
WINDOWS = [
    {
        "id": 1,
        "name": "社会保障窗口",
        "description": "集中办理就业创业、社会保险、劳动关系和社会救助类事项。设综合受理窗口5个、就业服务专窗1个。",
        "services": [
            {
                "name": "失业人员各项补贴",
                "department_id": 1,
                "summary": "失业保险金、失业期间医疗补助金、丧葬补助金等待遇的申领",
                "description": (
                    "参保失业人员可按规定申领失业保险金，领取期间由失业保险基金代缴基本医疗保险费。"
                    "领取期间死亡的，其遗属可申领丧葬补助金和抚恤金。"
                    "失业保险金按月发放，标准按本市最低工资标准的90%确定。"
                ),
                "eligibility": (
                    "失业前用人单位和本人已累计缴纳失业保险费满1年、"
                    "非因本人意愿中断就业、已办理失业登记并有求职要求的参保人员。"
                ),
                "materials": [
                    "居民身份证原件",
                    "用人单位出具的解除或终止劳动关系证明",
                    "本人社会保障卡（已激活金融功能）",
                ],
                "fees": "免费",
                "time_limit": "受理后5个工作日内完成审核，次月起按月发放",
                "location": "市民中心A座1楼政务服务大厅 社会保障窗口 12-15号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["失业金", "失业保险金", "下岗补贴", "失业补助", "领失业金"],
                "faq": [
                    {
                        "q": "主动辞职后可以领取失业保险金吗？",
                        "a": (
                            "本人主动辞职属于因本人意愿中断就业，不能领取失业保险金；"
                            "因用人单位原因解除劳动合同的，可以申领。"
                        ),
                    },
                    {
                        "q": "失业保险金最长可以领取多久？",
                        "a": (
                            "累计缴费满1年不足5年的，最长12个月；满5年不足10年的，最长18个月；10年以上的，最长24个月。"
                        ),
                    },
                ],
                "form_fields": [
                    {
                        "code": "subsidy_type",
                        "label": "补贴类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "unemployment_benefit", "name": "失业保险金"},
                            {"key": "medical_subsidy", "name": "失业期间医疗补助金"},
                            {"key": "funeral_subsidy", "name": "丧葬补助金和抚恤金"},
                            {"key": "skill_subsidy", "name": "技能提升补贴"},
                        ],
                    },
                    {
                        "code": "separation_date",
                        "label": "劳动关系解除日期",
                        "datatype": "date",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "last_employer",
                        "label": "原工作单位",
                        "datatype": "string",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "农村五保供养申请",
                "department_id": 6,
                "summary": "农村特困人员（原五保对象）救助供养资格申请",
                "description": (
                    "农村五保供养现已统一纳入特困人员救助供养制度。符合条件的，"
                    "可向户籍所在地乡镇人民政府（街道办事处）提出申请，"
                    "也可在本窗口递交材料后转交办理。经审核确认后按月发放基本生活费，"
                    "本人可选择在家分散供养或到供养服务机构集中供养。"
                ),
                "eligibility": (
                    "户籍在本市农村，无劳动能力、无生活来源，且无法定赡养、"
                    "抚养、扶养义务人或者其法定义务人无履行义务能力的老年人、"
                    "残疾人和未满16周岁的未成年人。"
                ),
                "materials": [
                    "特困人员救助供养申请书",
                    "申请人居民身份证或户口簿",
                    "残疾人证（残疾人申请时提供）",
                    "本人收入和财产状况的书面承诺",
                ],
                "fees": "免费",
                "time_limit": "乡镇（街道）受理后20个工作日内完成审核，县级民政部门20个工作日内作出审批决定",
                "location": "市民中心A座1楼政务服务大厅 社会保障窗口 12-15号；或户籍所在地乡镇（街道）社会救助窗口",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["五保户", "五保", "特困供养", "特困人员", "孤寡老人补助"],
                "faq": [
                    {
                        "q": "申请人行动不便，可以由他人代为申请吗？",
                        "a": "可以。本人申请有困难的，可以委托村（居）民委员会或者他人代为提出申请。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "township",
                        "label": "户籍所在乡镇（街道）",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "supply_mode",
                        "label": "意向供养方式",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "options": [
                            {"key": "home", "name": "分散供养（在家）"},
                            {"key": "institution", "name": "集中供养（供养服务机构）"},
                        ],
                    },
                ],
            },
            {
                "name": "劳动仲裁",
                "department_id": 1,
                "summary": "劳动者与用人单位发生劳动人事争议时的仲裁申请",
                "description": (
                    "因确认劳动关系、劳动报酬、工伤医疗费、经济补偿等发生争议的，"
                    "可以向市劳动人事争议仲裁委员会申请仲裁。仲裁委员会收到申请之日起5日内决定是否受"
                    "理，受理后先行调解，调解不成的依法开庭审理。劳动争议仲裁不收费。"
                ),
                "eligibility": (
                    "与本市用人单位发生劳动人事争议的劳动者或用人单位，"
                    "应自知道或者应当知道其权利被侵害之日起一年内提出。"
                ),
                "materials": [
                    "仲裁申请书（按被申请人人数提交副本）",
                    "申请人居民身份证复印件",
                    "被申请人的营业执照信息或身份信息",
                    "劳动合同、工资支付记录等证据材料",
                ],
                "fees": "免费",
                "time_limit": "收到申请之日起5日内决定是否受理；受理之日起45日内结案，案情复杂的可延长不超过15日",
                "location": "市民中心A座3楼 市劳动人事争议仲裁院立案室",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["劳动仲裁", "拖欠工资", "讨薪", "劳动纠纷", "辞退赔偿"],
                "faq": [
                    {
                        "q": "申请劳动仲裁必须请律师吗？",
                        "a": "不必须。申请人可以本人参加仲裁，也可以委托律师或其他代理人参加。",
                    },
                    {
                        "q": "对仲裁裁决不服怎么办？",
                        "a": "除终局裁决外，当事人可以自收到仲裁裁决书之日起15日内向人民法院提起诉讼。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "dispute_type",
                        "label": "争议类型",
                        "datatype": "multivaluelist",
                        "required": True,
                        "options": [
                            {"key": "wages", "name": "拖欠劳动报酬"},
                            {"key": "dismissal", "name": "解除或终止劳动合同"},
                            {"key": "social_insurance", "name": "社会保险"},
                            {"key": "injury", "name": "工伤待遇"},
                            {"key": "overtime", "name": "加班费"},
                        ],
                    },
                    {
                        "code": "employer_name",
                        "label": "用人单位名称",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "claim_amount",
                        "label": "请求金额（元）",
                        "datatype": "number",
                        "required": False,
                        "options": [],
                    },
                    {
                        "code": "facts",
                        "label": "争议经过",
                        "datatype": "text",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "就业培训",
                "department_id": 1,
                "summary": "面向失业人员、农村转移劳动力等群体的政府补贴职业技能培训报名",
                "description": (
                    "每年组织电工、育婴员、养老护理员、中式烹调师、电子商务师等职业技能培训。"
                    "符合条件的人员参加政府补贴培训项目免收培训费，取得职业技能等级证书的按规定享受"
                    "培训补贴。开班计划每季度在本公众号发布。"
                ),
                "eligibility": (
                    "法定劳动年龄内、有培训意愿的本市户籍劳动者及在本市参保的非本市户籍劳动者；"
                    "失业人员、农村转移劳动力、毕业年度高校毕业生优先。"
                ),
                "materials": [
                    "居民身份证原件及复印件",
                    "近期免冠一寸照片2张",
                    "失业登记证明或就业创业证（享受补贴时提供）",
                ],
                "fees": "政府补贴培训项目免费；其他项目按培训机构公示标准收费",
                "time_limit": "报名后按开班计划通知参训，一般不超过30日",
                "location": "市民中心A座1楼政务服务大厅 社会保障窗口 16号（就业服务专窗）",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["技能培训", "免费培训", "学技术", "职业培训", "培训补贴"],
                "faq": [
                    {
                        "q": "培训结束后推荐就业吗？",
                        "a": "公共就业服务机构会组织专场招聘会并推荐岗位，是否就业由本人自主选择。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "course",
                        "label": "意向培训项目",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "electrician", "name": "电工"},
                            {"key": "nursery", "name": "育婴员"},
                            {"key": "elderly_care", "name": "养老护理员"},
                            {"key": "chinese_cook", "name": "中式烹调师"},
                            {"key": "ecommerce", "name": "电子商务师"},
                        ],
                    },
                    {
                        "code": "education",
                        "label": "文化程度",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "options": [
                            {"key": "primary", "name": "小学及以下"},
                            {"key": "junior", "name": "初中"},
                            {"key": "senior", "name": "高中或中专"},
                            {"key": "college", "name": "大专及以上"},
                        ],
                    },
                    {
                        "code": "preferred_start",
                        "label": "希望开班时间",
                        "datatype": "date",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "社保卡申领",
                "department_id": 1,
                "summary": "社会保障卡首次申领、挂失补领和到期换领",
                "description": (
                    "社会保障卡可用于医保结算、社保待遇领取和身份凭证。"
                    "在窗口申领的，审核通过后可即时制卡领取，也可选择制卡后邮寄到家；"
                    "可先在本公众号预约办理时段，减少排队。"
                ),
                "eligibility": "在本市参加社会保险的人员，以及本市户籍未参保的城乡居民。未满16周岁的由监护人代为申领。",
                "materials": [
                    "居民身份证原件",
                    "未成年人申领的，另需提供户口簿和监护人居民身份证",
                ],
                "fees": "免费",
                "time_limit": "窗口即时制卡；在线申领的15个工作日内寄出",
                "location": "市民中心A座1楼政务服务大厅 社会保障窗口 12-15号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["社保卡", "办社保卡", "补办社保卡", "医保卡", "社保卡丢了"],
                "faq": [
                    {
                        "q": "社保卡丢失了怎么办？",
                        "a": (
                            "可拨打12333办理临时挂失，再持居民身份证到窗口办理正式挂失和补领"
                            "（可先在本公众号预约时段）。"
                        ),
                    },
                    {
                        "q": "可以由他人代办吗？",
                        "a": "可以。代办人需同时携带申领人和本人的居民身份证原件。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "card_action",
                        "label": "办理类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "first", "name": "首次申领"},
                            {"key": "replace", "name": "挂失补领"},
                            {"key": "renew", "name": "到期换领"},
                        ],
                    },
                    {
                        "code": "delivery",
                        "label": "领取方式",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "options": [
                            {"key": "counter", "name": "窗口自取"},
                            {"key": "post", "name": "邮寄到家"},
                        ],
                    },
                ],
            },
            {
                "name": "职工基本养老保险关系转移接续",
                "department_id": 1,
                "summary": "职工基本养老保险关系跨省、跨市转入和转出",
                "description": (
                    "参保人员跨统筹地区就业的，其基本养老保险关系随本人转移，"
                    "缴费年限累计计算。转入本市的，由本人向本市社会保险经办机构提出申请，"
                    "经办机构向转出地发出联系函并办理资金转入。"
                ),
                "eligibility": "在本市参保后到外地就业，或由外地转入本市就业并参保的职工基本养老保险参保人员。",
                "materials": [
                    "居民身份证原件",
                    "基本养老保险关系转移接续申请表",
                    "转出地社会保险经办机构出具的参保缴费凭证",
                ],
                "fees": "免费",
                "time_limit": "转入地、转出地各在15个工作日内完成本环节手续，全流程一般不超过45个工作日",
                "location": "市民中心A座1楼政务服务大厅 社会保障窗口 12-15号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["社保转移", "养老保险转移", "转社保", "社保迁移"],
                "faq": [
                    {
                        "q": "转移养老保险关系需要回原参保地办理吗？",
                        "a": "不需要。向新就业地的社会保险经办机构申请即可，转出手续由两地经办机构之间办理。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "direction",
                        "label": "转移方向",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "transfer_in", "name": "转入本市"},
                            {"key": "transfer_out", "name": "转出本市"},
                        ],
                    },
                    {
                        "code": "other_region",
                        "label": "转出地或转入地（省、市）",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "灵活就业人员参保登记",
                "department_id": 1,
                "summary": "个体工商户、非全日制从业人员等以个人身份参加职工养老保险的登记",
                "description": (
                    "无雇工的个体工商户、未在用人单位参保的非全日制从业人员及其他灵活就业人员，"
                    "可以个人身份参加职工基本养老保险。缴费基数在本市公布的上下限之间自主选择，"
                    "按月或按季度缴纳。"
                ),
                "eligibility": "年满16周岁、未达到法定退休年龄，未在用人单位参加职工基本养老保险的灵活就业人员。",
                "materials": [
                    "居民身份证原件",
                    "灵活就业人员参保登记表",
                ],
                "fees": "登记免费；社会保险费按本人选择的缴费基数和规定费率缴纳",
                "time_limit": "即时办结",
                "location": "市民中心A座1楼政务服务大厅 社会保障窗口 12-15号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["个人交社保", "自由职业社保", "灵活就业", "个体户交社保"],
                "faq": [
                    {
                        "q": "非本市户籍可以在本市以灵活就业人员身份参保吗？",
                        "a": "持有本市居住证的非本市户籍人员可以办理。",
                    },
                ],
                "form_fields": [],
            },
        ],
    },
    {
        "id": 2,
        "name": "环境保护窗口",
        "description": "办理生态环境领域的许可、审批和咨询事项，受理环境污染和生态破坏线索。",
        "services": [
            {
                "name": "污染控制",
                "department_id": 2,
                "summary": "排污许可登记及大气、水、噪声、固体废物污染防治事项咨询",
                "description": (
                    "受理排污单位排污许可证申请、排污登记和污染防治设施变更报备，"
                    "提供污染防治政策咨询。排污许可证按照《排污许可管理条例》规定核发，"
                    "有效期为5年。"
                ),
                "eligibility": "本市行政区域内的排污单位；政策咨询面向所有公众。",
                "materials": [
                    "排污许可证申请表或排污登记表",
                    "营业执照复印件",
                    "污染防治设施说明和自行监测方案",
                ],
                "fees": "免费",
                "time_limit": "排污许可证自受理之日起20个工作日内作出决定；排污登记即时办结",
                "location": "市民中心A座2楼政务服务大厅 环境保护窗口 31-32号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["排污许可", "排污证", "污染防治", "排污登记"],
                "faq": [
                    {
                        "q": "小型餐饮店需要办理排污许可证吗？",
                        "a": (
                            "一般不需要。是否纳入排污许可管理以国家排污许可分类管理名录为准，可到窗口或拨打12369咨询。"
                        ),
                    },
                ],
                "form_fields": [
                    {
                        "code": "pollution_type",
                        "label": "污染类型",
                        "datatype": "multivaluelist",
                        "required": True,
                        "options": [
                            {"key": "air", "name": "大气污染"},
                            {"key": "water", "name": "水污染"},
                            {"key": "noise", "name": "噪声污染"},
                            {"key": "solid_waste", "name": "固体废物"},
                        ],
                    },
                    {
                        "code": "company_name",
                        "label": "单位名称",
                        "datatype": "string",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "监督管理",
                "department_id": 2,
                "summary": "企业环境违法行为举报与生态环境执法监督",
                "description": (
                    "受理公众对企业超标排放、偷排漏排、违规处置危险废物等环境违法行为的举报。"
                    "举报经核实的依法立案查处，办结后向举报人反馈处理结果。"
                    "举报人信息严格保密。"
                ),
                "eligibility": "任何单位和个人。",
                "materials": [
                    "违法行为发生的地点、时间",
                    "现场照片或视频（如有）",
                    "举报人联系方式（可匿名举报）",
                ],
                "fees": "免费",
                "time_limit": "受理后15个工作日内办结并反馈，情况复杂的可适当延长",
                "location": "市民中心A座2楼政务服务大厅 环境保护窗口 31-32号；也可拨打12369举报",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["环保投诉", "偷排", "污染举报", "工厂冒黑烟", "工厂噪音"],
                "faq": [
                    {
                        "q": "夜间发现企业偷排可以打电话举报吗？",
                        "a": "可以。12369环保举报热线24小时受理。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "pollution_type",
                        "label": "污染类型",
                        "datatype": "multivaluelist",
                        "required": True,
                        "options": [
                            {"key": "air", "name": "废气、异味"},
                            {"key": "water", "name": "废水"},
                            {"key": "noise", "name": "工业噪声"},
                            {"key": "hazardous_waste", "name": "危险废物"},
                        ],
                    },
                    {
                        "code": "observed_on",
                        "label": "发现日期",
                        "datatype": "date",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "source_address",
                        "label": "污染源位置",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "details",
                        "label": "情况描述",
                        "datatype": "text",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "法制宣传",
                "department_id": 2,
                "summary": "生态环境法律法规宣讲和环境监测站公众开放日预约",
                "description": (
                    "面向企业、学校和社区提供生态环境法律法规宣讲服务，"
                    "可预约环保普法讲座、企业环保合规培训和市环境监测站公众开放日参观。"
                    "每年6月5日环境日前后集中开展宣传活动。"
                ),
                "eligibility": "本市企事业单位、学校、社区和社会组织。",
                "materials": [
                    "活动预约申请表",
                    "联系人居民身份证复印件",
                ],
                "fees": "免费",
                "time_limit": "收到预约后5个工作日内答复并确定活动时间",
                "location": "市民中心A座2楼政务服务大厅 环境保护窗口 31-32号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["环保讲座", "普法", "环保宣传", "开放日参观"],
                "faq": [
                    {
                        "q": "个人可以报名参加环境监测站开放日吗？",
                        "a": "可以。开放日名额在本公众号提前公布，个人按先后顺序报名。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "audience",
                        "label": "参加对象",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "enterprise", "name": "企业"},
                            {"key": "school", "name": "学校"},
                            {"key": "community", "name": "社区"},
                            {"key": "other", "name": "其他"},
                        ],
                    },
                    {
                        "code": "audience_size",
                        "label": "预计参加人数",
                        "datatype": "number",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "preferred_date",
                        "label": "希望活动日期",
                        "datatype": "date",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "自然生态保护",
                "department_id": 2,
                "summary": "破坏湿地、非法采砂、毁林等生态破坏线索受理与政策咨询",
                "description": (
                    "受理破坏湿地、非法采砂、毁坏林地、非法捕捞或猎捕野生动物等生态破坏行为的线索，"
                    "会同自然资源、林业、农业农村等部门核查处理。提供自然保护地内建设活动的政策咨询"
                    "。"
                ),
                "eligibility": "任何单位和个人。",
                "materials": [
                    "线索发生地点和现场照片",
                    "举报人联系方式（可匿名）",
                ],
                "fees": "免费",
                "time_limit": "受理后15个工作日内反馈核查情况",
                "location": "市民中心A座2楼政务服务大厅 环境保护窗口 31-32号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["生态破坏", "湿地保护", "非法采砂", "野生动物保护", "毁林"],
                "faq": [
                    {
                        "q": "发现有人在河道非法捕鱼应向哪里反映？",
                        "a": "可在本窗口或通过本公众号“投诉举报”提交线索，由生态环境部门会同农业农村部门核查处理。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "site",
                        "label": "发生地点",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "details",
                        "label": "情况描述",
                        "datatype": "text",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "建设项目环境影响评价审批",
                "department_id": 2,
                "summary": "建设项目环境影响报告书、报告表的审批",
                "description": (
                    "编制环境影响报告书或报告表的建设项目，应在开工建设前报生态环境部门审批。"
                    "审批部门对报告书、报告表进行技术评估，并依法公开受理和审批信息。"
                    "未依法审批的项目不得开工建设。"
                ),
                "eligibility": "在本市行政区域内建设、依法应当编制环境影响报告书或报告表的建设单位。",
                "materials": [
                    "建设项目环境影响评价审批申请书",
                    "环境影响报告书（表）",
                    "建设单位营业执照复印件",
                    "公众参与说明（报告书项目提供）",
                ],
                "fees": "免费",
                "time_limit": "报告书受理后30个工作日内、报告表受理后15个工作日内作出审批决定（技术评估时间不计入）",
                "location": "市民中心A座2楼政务服务大厅 环境保护窗口 31-32号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["环评", "环评审批", "环境影响评价", "环评报告"],
                "faq": [
                    {
                        "q": "登记表类项目需要审批吗？",
                        "a": "不需要。填报环境影响登记表的项目实行网上备案。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "report_type",
                        "label": "环评文件类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "report", "name": "环境影响报告书"},
                            {"key": "form", "name": "环境影响报告表"},
                        ],
                    },
                    {
                        "code": "project_name",
                        "label": "项目名称",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                ],
            },
        ],
    },
    {
        "id": 3,
        "name": "市场准入窗口",
        "description": (
            "办理企业和个体工商户登记、食品经营许可等市场准入事项，受理消费投诉。企业开办实行一窗受理、一次办结。"
        ),
        "services": [
            {
                "name": "食品经营许可",
                "department_id": 3,
                "summary": "开办餐饮店、食品销售店、单位食堂等食品经营活动的许可",
                "description": (
                    "在本市从事食品销售和餐饮服务活动的，应当依法取得食品经营许可证；"
                    "仅销售预包装食品的，实行备案管理。申请人应先取得营业执照，"
                    "经营场所应与经营项目相适应。材料齐全、符合法定形式的，"
                    "可当场作出决定。"
                ),
                "eligibility": "已取得营业执照等合法主体资格、有固定经营场所的企业、个体工商户等市场主体。",
                "materials": [
                    "食品经营许可申请书",
                    "营业执照复印件",
                    "主要设备设施布局和操作流程说明",
                    "食品安全管理制度目录",
                    "法定代表人（负责人）居民身份证复印件",
                ],
                "fees": "免费",
                "time_limit": "受理后5个工作日内作出决定；需要现场核查的，10个工作日内作出决定",
                "location": "市民中心A座1楼政务服务大厅 市场准入窗口 21-26号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["开饭店", "开餐馆", "餐饮许可", "食品许可证", "开小吃店", "卫生许可证"],
                "faq": [
                    {
                        "q": "开饭店需要办哪些证？",
                        "a": (
                            "一般先办理营业执照，再申请食品经营许可证；从业人员应取得健康证明。"
                            "涉及油烟排放、户外招牌设置的，还应符合生态环境和城市管理部门的要求。"
                        ),
                    },
                    {
                        "q": "食品经营许可证有效期多长？",
                        "a": "有效期5年。需要延续的，应在有效期届满前30个工作日提出申请。",
                    },
                    {
                        "q": "只卖包装好的食品也要办许可证吗？",
                        "a": "仅销售预包装食品的，办理备案即可，不需要申请许可。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "business_form",
                        "label": "经营类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "catering", "name": "餐饮服务"},
                            {"key": "retail", "name": "食品销售"},
                            {"key": "canteen", "name": "单位食堂"},
                        ],
                    },
                    {
                        "code": "shop_address",
                        "label": "经营场所地址",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "floor_area",
                        "label": "经营场所面积（平方米）",
                        "datatype": "number",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "planned_opening",
                        "label": "计划开业日期",
                        "datatype": "date",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "个体工商户设立登记",
                "department_id": 3,
                "summary": "个体工商户营业执照的申请办理",
                "description": (
                    "有经营能力的公民从事工商业经营的，可以申请登记为个体工商户。"
                    "个体工商户可以起字号，也可以不起字号。登记机关对材料齐全、"
                    "符合法定形式的申请当场予以登记并发放营业执照。"
                ),
                "eligibility": "有经营能力的自然人，或以家庭成员共同出资经营的家庭。",
                "materials": [
                    "个体工商户登记（备案）申请书",
                    "经营者居民身份证原件",
                    "经营场所使用证明（房屋产权证明或租赁合同）",
                ],
                "fees": "免费",
                "time_limit": "材料齐全、符合法定形式的当场办结",
                "location": "市民中心A座1楼政务服务大厅 市场准入窗口 21-26号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["个体户", "办执照", "营业执照", "开小店", "个体执照"],
                "faq": [
                    {
                        "q": "在住宅里开网店可以登记个体工商户吗？",
                        "a": (
                            "仅通过网络开展经营活动的，可以将网络经营场所作为经营场所进行登记，并应提供网店网址等信息。"
                        ),
                    },
                ],
                "form_fields": [],
            },
            {
                "name": "企业开办（设立登记）",
                "department_id": 13,
                "summary": "公司等企业设立登记、公章刻制、发票申领和社保登记一次办理",
                "description": (
                    "企业开办实行“一件事一次办”，设立登记、公章刻制、"
                    "涉税事项、社保登记和银行预约开户一表申请、一窗办结。"
                    "营业执照和公章可现场领取，也可选择免费邮寄。"
                ),
                "eligibility": "拟在本市设立公司、合伙企业、个人独资企业等企业的投资人或其委托代理人。",
                "materials": [
                    "企业设立登记申请书",
                    "公司章程（有限责任公司、股份有限公司提供）",
                    "股东或投资人主体资格证明",
                    "法定代表人、董事、监事和经理的任职文件及居民身份证复印件",
                    "住所使用证明",
                ],
                "fees": "登记免费；首套公章由政府购买服务免费刻制",
                "time_limit": "材料齐全的1个工作日内办结",
                "location": "市民中心A座1楼政务服务大厅 市场准入窗口 21-26号（企业开办专区）",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["注册公司", "开公司", "公司注册", "刻章", "领发票"],
                "faq": [
                    {
                        "q": "注册公司需要实缴注册资本吗？",
                        "a": (
                            "有限责任公司全体股东认缴的出资额应按照公司章程规定自公司成立之日起五年内缴足，"
                            "设立登记时不需要提交验资证明。"
                        ),
                    },
                ],
                "form_fields": [
                    {
                        "code": "entity_type",
                        "label": "企业类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "llc", "name": "有限责任公司"},
                            {"key": "partnership", "name": "合伙企业"},
                            {"key": "sole_proprietorship", "name": "个人独资企业"},
                        ],
                    },
                    {
                        "code": "proposed_name",
                        "label": "拟用企业名称",
                        "datatype": "string",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "营业执照变更登记",
                "department_id": 3,
                "summary": "企业、个体工商户名称、住所、经营范围、法定代表人等事项变更",
                "description": (
                    "已登记的事项发生变化的，应当自作出变更决议或决定之日起30日内申请变更登记。"
                    "变更登记后换发营业执照，原执照同时交回。"
                ),
                "eligibility": "已在本市登记的企业、农民专业合作社和个体工商户。",
                "materials": [
                    "变更登记申请书",
                    "股东会决议或相关决定文件",
                    "营业执照正本、副本原件",
                    "与变更事项相关的证明文件",
                ],
                "fees": "免费",
                "time_limit": "材料齐全、符合法定形式的当场办结",
                "location": "市民中心A座1楼政务服务大厅 市场准入窗口 21-26号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["执照变更", "改公司名", "换法人", "变更地址", "增加经营范围"],
                "faq": [
                    {
                        "q": "只变更经营范围需要换发营业执照吗？",
                        "a": "需要。经营范围是营业执照的记载事项，变更后换发新执照。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "change_items",
                        "label": "变更事项",
                        "datatype": "multivaluelist",
                        "required": True,
                        "options": [
                            {"key": "name", "name": "名称"},
                            {"key": "address", "name": "住所或经营场所"},
                            {"key": "scope", "name": "经营范围"},
                            {"key": "legal_rep", "name": "法定代表人或经营者"},
                            {"key": "capital", "name": "注册资本"},
                        ],
                    },
                ],
            },
            {
                "name": "消费投诉举报",
                "department_id": 3,
                "summary": "消费者与经营者发生消费纠纷的投诉及违法经营行为举报",
                "description": (
                    "消费者因购买商品或接受服务与经营者发生纠纷的，可以向经营者所在地市场监督管理部"
                    "门投诉。受理后组织双方调解，调解不成的终止调解并告知消费者其他解决途径。"
                    "举报违法经营行为的，依法核查处理。"
                ),
                "eligibility": "为生活消费需要购买、使用商品或接受服务的消费者；举报面向任何单位和个人。",
                "materials": [
                    "投诉人姓名、联系方式",
                    "被投诉经营者名称和地址",
                    "购物凭证、合同、聊天记录等证明材料",
                ],
                "fees": "免费",
                "time_limit": "收到投诉之日起7个工作日内作出是否受理的决定；受理后一般45个工作日内终结调解",
                "location": "市民中心A座1楼政务服务大厅 市场准入窗口 26号；也可拨打12315",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["12315", "消费投诉", "退货", "商家欺诈", "预付卡跑路"],
                "faq": [
                    {
                        "q": "在外地网店购物产生纠纷可以在本市投诉吗？",
                        "a": (
                            "网购纠纷一般由经营者实际经营地或平台经营者住所地的市场监督管理部门处理，"
                            "可通过全国12315平台提交，系统会自动分送。"
                        ),
                    },
                ],
                "form_fields": [
                    {
                        "code": "merchant_name",
                        "label": "经营者名称",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "purchase_date",
                        "label": "消费日期",
                        "datatype": "date",
                        "required": False,
                        "options": [],
                    },
                    {
                        "code": "amount",
                        "label": "涉及金额（元）",
                        "datatype": "number",
                        "required": False,
                        "options": [],
                    },
                    {
                        "code": "issue",
                        "label": "投诉内容和诉求",
                        "datatype": "text",
                        "required": True,
                        "options": [],
                    },
                ],
            },
        ],
    },
    {
        "id": 4,
        "name": "不动产登记窗口",
        "description": "办理房屋等不动产的转移、抵押登记和登记资料查询。可通过本公众号预约办理时段。",
        "services": [
            {
                "name": "存量房转移登记",
                "department_id": 14,
                "summary": "二手房买卖的产权转移登记（过户）",
                "description": (
                    "存量房买卖双方签订买卖合同、缴纳税款后，共同申请转移登记。"
                    "登记、缴税实行“一窗受理”，买卖双方应同时到场或委托代理人办理。"
                    "登记完成后向买受人核发不动产权证书。"
                ),
                "eligibility": "存量房买卖双方当事人或其委托代理人。",
                "materials": [
                    "不动产登记申请书",
                    "买卖双方居民身份证原件",
                    "不动产权证书原件",
                    "存量房买卖合同",
                    "婚姻状况证明材料",
                    "完税凭证",
                ],
                "fees": "不动产登记费：住宅每件80元，非住宅每件550元，由登记申请人缴纳",
                "time_limit": "受理后3个工作日内办结",
                "location": "市民中心C座1楼不动产登记大厅 不动产登记窗口 1-12号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["二手房过户", "过户", "房产过户", "买卖过户"],
                "faq": [
                    {
                        "q": "房屋有抵押可以办理过户吗？",
                        "a": "需先办理抵押注销登记，或经抵押权人同意后办理转移登记，抵押权不受影响。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "property_use",
                        "label": "房屋用途",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "residential", "name": "住宅"},
                            {"key": "non_residential", "name": "非住宅"},
                        ],
                    },
                    {
                        "code": "certificate_no",
                        "label": "不动产权证书号",
                        "datatype": "string",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "新建商品房转移登记",
                "department_id": 14,
                "summary": "购买新建商品房后办理不动产权证书",
                "description": (
                    "开发企业完成首次登记后，购房人可与开发企业共同申请转移登记。"
                    "已实行“交房即交证”的项目，交房时即可领取不动产权证书。"
                ),
                "eligibility": "购买本市新建商品房的购房人及开发企业。",
                "materials": [
                    "不动产登记申请书",
                    "购房人居民身份证原件",
                    "商品房买卖合同",
                    "契税完税凭证",
                    "开发企业委托书",
                ],
                "fees": "不动产登记费：住宅每件80元，非住宅每件550元",
                "time_limit": "受理后3个工作日内办结",
                "location": "市民中心C座1楼不动产登记大厅 不动产登记窗口 1-12号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["新房办证", "房产证办理", "交房即交证", "办房产证"],
                "faq": [
                    {
                        "q": "交房很久了还没拿到房产证怎么办？",
                        "a": (
                            "可先向开发企业了解首次登记办理进度，也可通过本公众号“投诉举报”反映，登记中心将核实后答复。"
                        ),
                    },
                ],
                "form_fields": [
                    {
                        "code": "project_name",
                        "label": "楼盘名称",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "handover_date",
                        "label": "交房日期",
                        "datatype": "date",
                        "required": False,
                        "options": [],
                    },
                ],
            },
            {
                "name": "不动产抵押登记",
                "department_id": 14,
                "summary": "不动产抵押权设立、变更和注销登记",
                "description": (
                    "以不动产设定抵押的，当事人应共同申请抵押权登记，"
                    "抵押权自登记时设立。主债权消灭的，当事人可申请注销抵押登记。"
                    "与本市合作的银行可在网点代办抵押登记。"
                ),
                "eligibility": "抵押人和抵押权人（银行等金融机构）或其委托代理人。",
                "materials": [
                    "不动产登记申请书",
                    "抵押人居民身份证原件",
                    "不动产权证书原件",
                    "主债权合同和抵押合同",
                ],
                "fees": "住宅抵押每件80元，非住宅抵押每件550元；注销抵押登记不收费",
                "time_limit": "受理后1个工作日内办结",
                "location": "市民中心C座1楼不动产登记大厅 不动产登记窗口 13-16号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["抵押登记", "房贷抵押", "解押", "注销抵押", "还完房贷"],
                "faq": [
                    {
                        "q": "还清房贷后需要本人去办理解押吗？",
                        "a": "注销抵押登记可由抵押权人单方申请。多数合作银行可代为办理，具体请咨询贷款银行。",
                    },
                ],
                "form_fields": [],
            },
            {
                "name": "不动产登记资料查询",
                "department_id": 14,
                "summary": "权利人查询本人名下不动产登记信息及出具证明",
                "description": (
                    "权利人、利害关系人可依法查询、复制不动产登记资料。"
                    "权利人可在大厅自助机查询本人名下不动产信息，"
                    "需要书面证明的可在窗口打印。"
                ),
                "eligibility": "不动产权利人、利害关系人，以及人民法院、人民检察院等有关国家机关。",
                "materials": [
                    "不动产登记资料查询申请书",
                    "查询人居民身份证原件",
                    "利害关系人查询的，另需提供利害关系证明材料",
                ],
                "fees": "免费",
                "time_limit": "即时办结",
                "location": "市民中心C座1楼不动产登记大厅 不动产登记窗口 17-18号及自助查询区",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["查房产", "房产查询", "名下房产", "产权查询", "无房证明"],
                "faq": [
                    {
                        "q": "可以查询别人名下的房产吗？",
                        "a": "不可以。除利害关系人按规定查询外，不得查询他人名下的不动产信息。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "purpose",
                        "label": "查询用途",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "school", "name": "子女入学"},
                            {"key": "loan", "name": "贷款"},
                            {"key": "housing_security", "name": "住房保障申请"},
                            {"key": "other", "name": "其他"},
                        ],
                    },
                ],
            },
        ],
    },
    {
        "id": 5,
        "name": "户籍与证件窗口",
        "description": "办理户口登记、户口迁移、居民身份证和居住证业务。周六上午正常办公。",
        "services": [
            {
                "name": "居民身份证申领、换领、补领",
                "department_id": 9,
                "summary": "居民身份证首次申领、有效期满换领和丢失补领",
                "description": (
                    "居民身份证有效期满、证件损坏或丢失的，应及时换领或补领。"
                    "办理时现场采集人像和指纹信息。补领期间需要乘车、"
                    "住宿的，可申领临时居民身份证。"
                ),
                "eligibility": "本市户籍居民；非本市户籍居民可在本市办理换领、补领（异地办理）。",
                "materials": [
                    "居民户口簿（首次申领时提供）",
                    "原居民身份证（换领时交回）",
                    "未满16周岁的，由监护人陪同并提供监护人居民身份证",
                ],
                "fees": "工本费每证20元；临时居民身份证每证10元",
                "time_limit": "受理之日起20个工作日内制发，可选择邮寄",
                "location": "市民中心A座1楼政务服务大厅 户籍与证件窗口 5-9号",
                "hours": "工作日 9:00-12:00, 13:30-17:00；周六 9:00-12:00",
                "bookable": True,
                "keywords": ["办身份证", "身份证过期", "身份证丢了", "补办身份证", "换身份证"],
                "faq": [
                    {
                        "q": "外地户籍可以在本市补办身份证吗？",
                        "a": "可以。跨省异地办理换领、补领居民身份证，在本窗口即可受理。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "apply_type",
                        "label": "办理类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "first", "name": "首次申领"},
                            {"key": "renew", "name": "有效期满换领"},
                            {"key": "lost", "name": "丢失补领"},
                        ],
                    },
                ],
            },
            {
                "name": "户口迁移（投靠落户）",
                "department_id": 9,
                "summary": "夫妻、子女、父母投靠等户口迁入本市",
                "description": (
                    "符合本市落户政策的，可申请将户口迁入本市。本市已实行户口迁移“跨省通办”，"
                    "迁入地公安机关审批通过后，无需再回迁出地办理迁出手续。"
                ),
                "eligibility": "投靠本市户籍配偶、父母、子女且符合本市户籍管理规定的人员。",
                "materials": [
                    "申请人和被投靠人居民身份证、户口簿",
                    "结婚证或出生医学证明等亲属关系证明",
                    "合法稳定住所证明",
                ],
                "fees": "免费",
                "time_limit": "受理后10个工作日内办结",
                "location": "市民中心A座1楼政务服务大厅 户籍与证件窗口 5-9号",
                "hours": "工作日 9:00-12:00, 13:30-17:00；周六 9:00-12:00",
                "bookable": False,
                "keywords": ["落户", "迁户口", "投靠落户", "户口迁入"],
                "faq": [
                    {
                        "q": "投靠父母落户有年龄限制吗？",
                        "a": "具体条件以本市现行户籍管理规定为准，可到窗口或拨打咨询电话了解。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "relation",
                        "label": "投靠关系",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "spouse", "name": "夫妻投靠"},
                            {"key": "child", "name": "子女投靠父母"},
                            {"key": "parent", "name": "父母投靠子女"},
                        ],
                    },
                    {
                        "code": "origin",
                        "label": "现户籍所在地",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "出生登记",
                "department_id": 9,
                "summary": "新生儿申报户口",
                "description": (
                    "新生儿应当在出生后一个月内由父母或监护人申报出生登记。"
                    "在本市医院出生的，可通过“出生一件事”同时办理出生医学证明、"
                    "户口登记、医保参保和社保卡申领。"
                ),
                "eligibility": "父母一方为本市户籍的新生儿。",
                "materials": [
                    "出生医学证明",
                    "父母双方居民身份证、户口簿",
                    "父母结婚证",
                ],
                "fees": "免费",
                "time_limit": "材料齐全的当场办结",
                "location": "市民中心A座1楼政务服务大厅 户籍与证件窗口 5-9号",
                "hours": "工作日 9:00-12:00, 13:30-17:00；周六 9:00-12:00",
                "bookable": False,
                "keywords": ["新生儿上户口", "报户口", "宝宝落户", "出生上户"],
                "faq": [
                    {
                        "q": "超过一个月没有申报出生登记怎么办？",
                        "a": "仍可办理出生登记，携带规定材料到窗口申报即可。",
                    },
                ],
                "form_fields": [],
            },
            {
                "name": "居住证办理",
                "department_id": 9,
                "summary": "非本市户籍人员居住证的申领和签注",
                "description": (
                    "非本市户籍人员在本市居住半年以上，符合合法稳定就业、"
                    "合法稳定住所、连续就读条件之一的，可以申领居住证。"
                    "居住证每年签注一次，持证人按规定享受本市基本公共服务。"
                ),
                "eligibility": "在本市居住半年以上，有合法稳定就业、合法稳定住所或连续就读之一的非本市户籍人员。",
                "materials": [
                    "居民身份证原件",
                    "居住登记证明",
                    "劳动合同、房屋租赁合同或就读证明之一",
                ],
                "fees": "首次申领免费",
                "time_limit": "受理后15个工作日内制发",
                "location": "市民中心A座1楼政务服务大厅 户籍与证件窗口 5-9号",
                "hours": "工作日 9:00-12:00, 13:30-17:00；周六 9:00-12:00",
                "bookable": False,
                "keywords": ["居住证", "暂住证", "居住登记", "外地人办证"],
                "faq": [
                    {
                        "q": "居住证过期了怎么办？",
                        "a": ("居住证逾期未签注的，居住年限自重新签注之日起连续计算，应尽快到窗口办理签注。"),
                    },
                ],
                "form_fields": [
                    {
                        "code": "basis",
                        "label": "申领依据",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "employment", "name": "合法稳定就业"},
                            {"key": "residence", "name": "合法稳定住所"},
                            {"key": "study", "name": "连续就读"},
                        ],
                    },
                ],
            },
        ],
    },
    {
        "id": 6,
        "name": "医保窗口",
        "description": "办理医疗保险参保登记、异地就医备案、费用报销和门诊慢特病认定。",
        "services": [
            {
                "name": "城乡居民医保参保登记",
                "department_id": 10,
                "summary": "未参加职工医保的城乡居民参加基本医疗保险",
                "description": (
                    "城乡居民基本医疗保险按年度参保缴费，每年集中缴费期为9月至12月，"
                    "缴费后次年1月1日起享受待遇。新生儿、退役军人等特殊群体可随时参保。"
                ),
                "eligibility": "本市户籍且未参加职工基本医疗保险的城乡居民，以及持有本市居住证的非本市户籍居民。",
                "materials": [
                    "居民身份证或户口簿",
                    "非本市户籍人员另需提供居住证",
                ],
                "fees": "登记免费；个人缴费标准按本市当年公布标准执行",
                "time_limit": "即时办结",
                "location": "市民中心A座1楼政务服务大厅 医保窗口 40-44号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["居民医保", "交医保", "农村合作医疗", "新农合", "小孩医保"],
                "faq": [
                    {
                        "q": "错过集中缴费期还能参保吗？",
                        "a": "可以补缴，但设有待遇等待期，等待期内发生的医疗费用不予报销。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "insured_group",
                        "label": "参保人群",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "student", "name": "中小学生、学龄前儿童"},
                            {"key": "college", "name": "在校大学生"},
                            {"key": "adult", "name": "其他城乡居民"},
                        ],
                    },
                ],
            },
            {
                "name": "异地就医备案",
                "department_id": 10,
                "summary": "异地长期居住、临时外出就医人员的跨省和省内异地就医备案",
                "description": (
                    "参保人员到外地就医并希望直接结算的，应提前办理异地就医备案。"
                    "备案可通过国家医保服务平台或窗口办理，"
                    "备案成功后在就医地定点医疗机构直接结算。"
                ),
                "eligibility": (
                    "本市基本医疗保险参保人员，包括异地安置退休人员、异地长期居住人员、常驻异地工作人员和异地转诊人员。"
                ),
                "materials": [
                    "居民身份证或社会保障卡",
                    "异地就医备案表（长期居住人员填写个人承诺）",
                ],
                "fees": "免费",
                "time_limit": "即时办结",
                "location": "市民中心A座1楼政务服务大厅 医保窗口 40-44号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["异地就医", "外地看病", "医保备案", "跨省就医"],
                "faq": [
                    {
                        "q": "没有备案在外地看病能报销吗？",
                        "a": "可以回参保地按规定手工报销，但报销比例会相应降低。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "filing_type",
                        "label": "备案类型",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "long_term", "name": "异地长期居住"},
                            {"key": "referral", "name": "异地转诊"},
                            {"key": "temporary", "name": "临时外出就医"},
                        ],
                    },
                    {
                        "code": "destination",
                        "label": "就医地（省、市）",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "医疗费用零星报销",
                "department_id": 10,
                "summary": "未能直接结算的医疗费用手工报销",
                "description": (
                    "参保人员因急诊、未备案异地就医等原因全额垫付医疗费用的，"
                    "可申请零星报销。报销金额按本市医保政策计算后，支付至本人社会保障卡银行账户。"
                ),
                "eligibility": "全额垫付医疗费用的本市基本医疗保险参保人员。",
                "materials": [
                    "居民身份证或社会保障卡",
                    "医疗费用发票原件",
                    "费用明细清单",
                    "出院小结或门诊病历",
                ],
                "fees": "免费",
                "time_limit": "受理后20个工作日内完成审核并支付",
                "location": "市民中心A座1楼政务服务大厅 医保窗口 40-44号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["医保报销", "垫付报销", "手工报销", "医药费报销"],
                "faq": [
                    {
                        "q": "零星报销有时间限制吗？",
                        "a": "应在费用发生之日起两年内申请，逾期不予受理。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "visit_date",
                        "label": "就诊日期",
                        "datatype": "date",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "total_amount",
                        "label": "医疗费用总额（元）",
                        "datatype": "number",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "门诊慢特病待遇认定",
                "department_id": 10,
                "summary": "高血压、糖尿病、恶性肿瘤门诊治疗等门诊慢特病待遇资格认定",
                "description": (
                    "患有本市门诊慢特病病种目录内疾病的参保人员，经认定后门诊治疗费用按规定享受较高"
                    "的报销比例。认定可在定点医疗机构或本窗口申请。"
                ),
                "eligibility": "患有本市门诊慢特病病种目录内疾病的基本医疗保险参保人员。",
                "materials": [
                    "居民身份证或社会保障卡",
                    "门诊慢特病待遇认定申请表",
                    "二级及以上医疗机构出具的诊断证明和相关检查报告",
                ],
                "fees": "免费",
                "time_limit": "受理后15个工作日内完成认定",
                "location": "市民中心A座1楼政务服务大厅 医保窗口 40-44号",
                "hours": HALL_HOURS,
                "bookable": True,
                "keywords": ["慢性病", "慢特病", "门特", "特殊病种", "慢病卡"],
                "faq": [
                    {
                        "q": "认定后在哪里看病可以享受待遇？",
                        "a": "在本市定点医疗机构门诊就医即可享受，部分病种需选定一家定点医疗机构。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "disease",
                        "label": "申请病种",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "hypertension", "name": "高血压"},
                            {"key": "diabetes", "name": "糖尿病"},
                            {"key": "cancer", "name": "恶性肿瘤门诊治疗"},
                            {"key": "uremia", "name": "尿毒症透析"},
                            {"key": "other", "name": "其他病种"},
                        ],
                    },
                ],
            },
        ],
    },
    {
        "id": 7,
        "name": "住房与交通窗口",
        "description": "办理公共租赁住房申请、道路运输从业资格业务，受理物业服务和出租汽车服务投诉。",
        "services": [
            {
                "name": "公共租赁住房申请",
                "department_id": 4,
                "summary": "城镇中等偏下收入住房困难家庭和新就业无房职工申请公租房",
                "description": (
                    "符合条件的家庭和个人可申请公共租赁住房实物配租或租赁补贴。"
                    "申请经街道初审、住房保障部门审核并公示无异议后轮候，"
                    "按批次组织选房。"
                ),
                "eligibility": (
                    "本市城镇户籍中等偏下收入住房困难家庭，以及在本市稳定就业、"
                    "本人及配偶在本市无住房的新就业无房职工和外来务工人员。"
                ),
                "materials": [
                    "公共租赁住房申请表",
                    "申请人及家庭成员居民身份证、户口簿",
                    "家庭收入证明或劳动合同",
                    "婚姻状况证明",
                    "住房情况书面承诺",
                ],
                "fees": "免费",
                "time_limit": "审核并公示后进入轮候，审核一般在受理后30个工作日内完成",
                "location": "市民中心A座2楼政务服务大厅 住房与交通窗口 35-36号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["公租房", "廉租房", "保障房", "租房补贴"],
                "faq": [
                    {
                        "q": "公租房租金是多少？",
                        "a": "租金按同地段市场租金的一定比例确定，具体标准随每批次房源公布。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "household_size",
                        "label": "家庭人口数",
                        "datatype": "number",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "applicant_type",
                        "label": "申请人类别",
                        "datatype": "singlevaluelist",
                        "required": True,
                        "options": [
                            {"key": "low_income", "name": "中等偏下收入住房困难家庭"},
                            {"key": "new_employee", "name": "新就业无房职工"},
                            {"key": "migrant_worker", "name": "外来务工人员"},
                        ],
                    },
                ],
            },
            {
                "name": "物业服务投诉",
                "department_id": 4,
                "summary": "住宅小区物业服务质量、收费等问题的投诉",
                "description": (
                    "业主对物业服务企业未履行物业服务合同、违规收费、"
                    "公共部位维护不到位等问题，可向住房和城乡建设部门投诉。"
                    "投诉转所在街道和物业服务企业处理，并跟踪办理结果。"
                ),
                "eligibility": "本市住宅小区业主、物业使用人和业主委员会。",
                "materials": [
                    "投诉人姓名、联系方式和房屋地址",
                    "问题说明和照片等证明材料",
                ],
                "fees": "免费",
                "time_limit": "受理后10个工作日内答复",
                "location": "市民中心A座2楼政务服务大厅 住房与交通窗口 35-36号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["物业投诉", "物业不作为", "物业费", "小区管理", "电梯维修"],
                "faq": [
                    {
                        "q": "小区电梯维修资金怎么申请使用？",
                        "a": "由业主委员会或物业服务企业按程序提出使用方案，经业主表决通过后向住房和城乡建设部门申请。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "community_name",
                        "label": "小区名称",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "issue_type",
                        "label": "问题类别",
                        "datatype": "multivaluelist",
                        "required": True,
                        "options": [
                            {"key": "cleaning", "name": "保洁绿化"},
                            {"key": "security", "name": "安全秩序"},
                            {"key": "repair", "name": "设施设备维修"},
                            {"key": "fees", "name": "收费问题"},
                        ],
                    },
                    {
                        "code": "details",
                        "label": "问题描述",
                        "datatype": "text",
                        "required": True,
                        "options": [],
                    },
                ],
            },
            {
                "name": "出租汽车服务投诉",
                "department_id": 5,
                "summary": "巡游出租汽车和网络预约出租汽车服务质量投诉及遗失物品查找",
                "description": (
                    "乘客对出租汽车拒载、绕路、多收费、服务态度差等问题可投诉，"
                    "也可查找遗失物品。投诉应尽量提供车牌号、乘车时间和上下车地点，"
                    "查实后依法处理并回复。"
                ),
                "eligibility": "在本市乘坐巡游出租汽车或网络预约出租汽车的乘客。",
                "materials": [
                    "车牌号或网约车订单号",
                    "乘车时间、上下车地点",
                    "乘车发票或行程单（如有）",
                ],
                "fees": "免费",
                "time_limit": "受理后7个工作日内回复",
                "location": "市民中心A座2楼政务服务大厅 住房与交通窗口 37-38号；也可拨打12328",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["出租车投诉", "打车绕路", "拒载", "网约车投诉", "出租车掉东西"],
                "faq": [
                    {
                        "q": "东西落在出租车上怎么办？",
                        "a": "请尽快拨打12328并提供乘车时间、上下车地点和车牌号，工作人员将联系驾驶员查找。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "plate_number",
                        "label": "车牌号",
                        "datatype": "string",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "ride_date",
                        "label": "乘车日期",
                        "datatype": "date",
                        "required": True,
                        "options": [],
                    },
                    {
                        "code": "issue_type",
                        "label": "问题类别",
                        "datatype": "multivaluelist",
                        "required": True,
                        "options": [
                            {"key": "refusal", "name": "拒载"},
                            {"key": "detour", "name": "绕路"},
                            {"key": "overcharge", "name": "多收费"},
                            {"key": "attitude", "name": "服务态度"},
                            {"key": "lost_item", "name": "遗失物品"},
                        ],
                    },
                ],
            },
            {
                "name": "道路运输从业资格证换证",
                "department_id": 5,
                "summary": "道路旅客运输、货物运输驾驶员从业资格证有效期满换证",
                "description": (
                    "道路运输从业资格证有效期为6年，持证人应在有效期届满30日前申请换证。"
                    "在有效期内无违法记录且完成继续教育的，可直接换发新证。"
                ),
                "eligibility": "持有本市核发的道路运输从业资格证、有效期即将届满的驾驶员。",
                "materials": [
                    "道路运输从业人员从业资格证件换发申请表",
                    "居民身份证原件",
                    "机动车驾驶证原件",
                    "原从业资格证件",
                ],
                "fees": "免费",
                "time_limit": "材料齐全的当场办结",
                "location": "市民中心A座2楼政务服务大厅 住房与交通窗口 37-38号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["从业资格证", "货运资格证", "客运资格证", "资格证到期"],
                "faq": [
                    {
                        "q": "从业资格证过期了还能换证吗？",
                        "a": "超过有效期180日未申请换证的，证件将被注销，需重新参加考试。",
                    },
                ],
                "form_fields": [],
            },
            {
                "name": "公交线路和站点优化建议",
                "department_id": 5,
                "summary": "市民对公交线路走向、站点设置和班次的意见建议",
                "description": (
                    "市民可对公交线路走向、站点位置、首末班时间和发车间隔提出意见建议。"
                    "交通运输部门定期汇总研究，结合客流调查制定线路优化方案，"
                    "调整前向社会公示。"
                ),
                "eligibility": "任何单位和个人。",
                "materials": [
                    "建议人联系方式",
                    "涉及的线路、站点名称和具体建议",
                ],
                "fees": "免费",
                "time_limit": "收到建议后15个工作日内答复",
                "location": "市民中心A座2楼政务服务大厅 住房与交通窗口 37-38号",
                "hours": HALL_HOURS,
                "bookable": False,
                "keywords": ["公交", "公交站点", "加开公交", "公交班次", "公交线路"],
                "faq": [
                    {
                        "q": "提出建议后多久能调整线路？",
                        "a": "线路调整需经客流调查、方案论证和公示，一般按季度集中实施。",
                    },
                ],
                "form_fields": [
                    {
                        "code": "route",
                        "label": "线路名称",
                        "datatype": "string",
                        "required": False,
                        "options": [],
                    },
                    {
                        "code": "suggestion",
                        "label": "具体建议",
                        "datatype": "text",
                        "required": True,
                        "options": [],
                    },
                ],
            },
        ],
    },
]

# Service types that belong to no window of the government service hall.
UNGROUPED_SERVICES = [
    {
        "name": "城市管理问题反映",
        "department_id": 12,
        "summary": "占道经营、违法建设、环境卫生、市政设施损坏等城市管理问题的反映",
        "description": (
            "市民发现占道经营、违法建设、垃圾未及时清运、井盖破损、"
            "路灯不亮等问题，可通过本公众号上传照片和位置反映。"
            "问题由数字城管平台派遣至责任单位处置，处置结果通过本公众号反馈。"
        ),
        "eligibility": "任何单位和个人。",
        "materials": [
            "问题发生位置",
            "现场照片（如有）",
        ],
        "fees": "免费",
        "time_limit": "一般问题受理后3个工作日内处置，井盖缺失等紧急问题2小时内到场",
        "location": "线上办理（本公众号“随手拍”栏目）；或拨打12319",
        "hours": "全天24小时受理",
        "bookable": False,
        "keywords": ["占道经营", "乱摆摊", "违章搭建", "井盖破损", "路灯不亮", "垃圾没人清"],
        "faq": [
            {
                "q": "反映问题后怎么知道处理结果？",
                "a": "处置完成后，系统会通过本公众号消息推送处理结果，也可在“我的反映”中查看进度。",
            },
        ],
        "form_fields": [
            {
                "code": "issue_type",
                "label": "问题类别",
                "datatype": "singlevaluelist",
                "required": True,
                "options": [
                    {"key": "street_vending", "name": "占道经营"},
                    {"key": "illegal_building", "name": "违法建设"},
                    {"key": "sanitation", "name": "环境卫生"},
                    {"key": "facility", "name": "市政设施损坏"},
                    {"key": "other", "name": "其他"},
                ],
            },
            {
                "code": "address_desc",
                "label": "问题位置",
                "datatype": "string",
                "required": True,
                "options": [],
            },
            {
                "code": "details",
                "label": "问题描述",
                "datatype": "text",
                "required": True,
                "options": [],
            },
        ],
    },
    {
        "name": "最低生活保障申请",
        "department_id": 6,
        "summary": "家庭人均收入低于本市低保标准且财产符合规定的家庭申请最低生活保障",
        "description": (
            "共同生活的家庭成员人均收入低于本市最低生活保障标准、"
            "家庭财产状况符合规定的，可以申请最低生活保障。申请经乡镇（街道）调查核实、"
            "民主评议和公示后，由民政部门审批。获批家庭按月领取低保金。"
        ),
        "eligibility": "持有本市户籍，家庭人均收入低于本市最低生活保障标准且家庭财产符合规定的家庭。",
        "materials": [
            "最低生活保障申请书",
            "家庭成员居民身份证、户口簿",
            "家庭收入和财产状况书面声明",
            "家庭经济状况核对授权书",
        ],
        "fees": "免费",
        "time_limit": "乡镇（街道）受理后30个工作日内完成审核确认，特殊情况可延长至45个工作日",
        "location": "户籍所在地乡镇（街道）社会救助服务窗口",
        "hours": "工作日 8:30-12:00, 13:30-17:00",
        "bookable": False,
        "keywords": ["低保", "申请低保", "困难补助", "生活困难"],
        "faq": [
            {
                "q": "家里有人在外打工还能申请低保吗？",
                "a": "打工收入计入家庭收入。按规定扣除必要的就业成本后，家庭人均收入仍低于低保标准的，可以申请。",
            },
        ],
        "form_fields": [
            {
                "code": "household_size",
                "label": "共同生活家庭人口数",
                "datatype": "number",
                "required": True,
                "options": [],
            },
            {
                "code": "township",
                "label": "户籍所在乡镇（街道）",
                "datatype": "string",
                "required": True,
                "options": [],
            },
        ],
    },
    {
        "name": "义务教育阶段新生入学报名",
        "department_id": 8,
        "summary": "小学一年级、初中一年级新生入学网上报名",
        "description": (
            "适龄儿童、少年入学实行网上报名，按照学区划分和“公民同招”政策确定就读学校。"
            "随迁子女入学以居住证和社会保险缴纳情况为主要依据。"
            "报名时间和学区划分每年5月在本公众号公布。"
        ),
        "eligibility": "户籍或居住地在本市、达到入学年龄的适龄儿童、少年。",
        "materials": [
            "儿童户口簿",
            "房屋产权证明或租赁登记证明",
            "随迁子女另需提供父母一方的居住证",
        ],
        "fees": "免费",
        "time_limit": "报名结束后按招生计划统一公布录取结果",
        "location": "线上报名；现场咨询：学院路20号市教育局一楼招生咨询处",
        "hours": "工作日 8:30-12:00, 13:30-17:00",
        "bookable": False,
        "keywords": ["小学报名", "初中入学", "上学报名", "学区", "入学登记"],
        "faq": [
            {
                "q": "租房可以在学区内报名吗？",
                "a": "租房家庭按本市入学政策规定的顺序安排就读，具体以当年公布的招生办法为准。",
            },
        ],
        "form_fields": [
            {
                "code": "grade",
                "label": "报名学段",
                "datatype": "singlevaluelist",
                "required": True,
                "options": [
                    {"key": "primary", "name": "小学一年级"},
                    {"key": "junior", "name": "初中一年级"},
                ],
            },
            {
                "code": "child_birth_date",
                "label": "儿童出生日期",
                "datatype": "date",
                "required": True,
                "options": [],
            },
        ],
    },
    {
        "name": "个人所得税综合所得年度汇算咨询",
        "department_id": 11,
        "summary": "个人所得税综合所得年度汇算的申报辅导和退补税咨询",
        "description": (
            "纳税人可通过个人所得税App自行办理年度汇算。对使用App有困难的老年人等群体，"
            "办税服务厅提供预约辅导。年度汇算时间为次年3月1日至6月30日。"
        ),
        "eligibility": "取得工资薪金、劳务报酬、稿酬、特许权使用费所得，需要办理年度汇算的居民个人。",
        "materials": [
            "居民身份证原件",
            "收入和专项附加扣除相关证明材料",
        ],
        "fees": "免费",
        "time_limit": "现场辅导即时办理",
        "location": "中山北路200号市税务局办税服务厅",
        "hours": "工作日 9:00-12:00, 13:30-17:00",
        "bookable": True,
        "keywords": ["个税汇算", "个税退税", "退税", "个人所得税", "补税"],
        "faq": [
            {
                "q": "年收入不超过12万元需要补税吗？",
                "a": "综合所得年收入不超过12万元且需要补税的，或年度汇算需补税金额不超过400元的，可免予办理年度汇算。",
            },
        ],
        "form_fields": [],
    },
    {
        "name": "预防接种证补办",
        "department_id": 7,
        "summary": "儿童预防接种证遗失或损毁后的补办",
        "description": (
            "儿童预防接种证遗失或损毁的，监护人可到儿童接种单位申请补办。"
            "接种单位根据预防接种信息系统中的记录补录接种信息。"
            "入托、入学查验时需出示预防接种证。"
        ),
        "eligibility": "在本市接种单位建立预防接种档案的儿童的监护人。",
        "materials": [
            "儿童出生医学证明或户口簿",
            "监护人居民身份证",
        ],
        "fees": "免费",
        "time_limit": "当场补办",
        "location": "儿童户籍或居住地所在社区卫生服务中心预防接种门诊",
        "hours": "以各接种门诊公示时间为准，一般为工作日 8:00-11:30, 13:30-16:30",
        "bookable": False,
        "keywords": ["疫苗本", "接种证丢了", "打疫苗", "疫苗记录"],
        "faq": [
            {
                "q": "在外地接种过的疫苗能补录吗？",
                "a": "能提供外地接种单位接种记录的，经核实后可以补录。",
            },
        ],
        "form_fields": [],
    },
]

# News notices published on the account.
NEWS = [
    {
        "title": "关于公布2026年度社会保险缴费基数上下限的通知",
        "summary": "2026年度职工社会保险缴费基数上下限已确定，自2026年10月1日起执行。",
        "body": "根据省人力资源和社会保障厅有关规定，现将本市2026年度职工社会保险缴费基数上下限公布如下。\n\n"
        "缴费基数下限为4812元/月，上限为24060元/月。用人单位职工本人上年度月平均工资低于"
        "下限的，按下限确定；高于上限的，按上限确定。\n\n"
        "灵活就业人员可在上述上下限范围内自主选择缴费基数。\n\n"
        "本通知自2026年10月1日起执行，执行期至2027年9月30日。用人单位应在10月31日前完成职工缴费基数申报。\n\n"
        "咨询电话：0571-12333。",
        "department_id": 1,
        "published": "2026-09-18",
        "pinned": True,
    },
    {
        "title": "国庆节期间政务服务大厅办公时间安排",
        "summary": "10月1日至7日政务服务大厅暂停窗口服务，自助服务区正常开放。",
        "body": "根据国务院办公厅关于2026年部分节假日安排的通知，"
        "现将国庆节期间市民中心政务服务大厅办公时间安排公告如下。"
        "\n\n"
        "10月1日至7日，政务服务大厅暂停窗口服务。调休上班日大厅正常对外办公。\n\n"
        "假期内，市民中心A座1楼24小时自助服务区正常开放，"
        "可办理社保查询、不动产登记信息查询等业务。本公众号线上事项正常受理，"
        "节后依次办理。\n\n"
        "假期内如遇紧急事项，可拨打政务服务便民热线12345。",
        "department_id": 13,
        "published": "2026-09-15",
        "pinned": True,
    },
    {
        "title": "2026年第三季度食品安全监督抽检结果公告",
        "summary": "第三季度共抽检食品样品1268批次，合格1251批次，不合格17批次。",
        "body": "2026年第三季度，市市场监督管理局组织对粮食加工品、"
        "食用油、肉制品、蔬菜、餐饮食品等品种开展监督抽检，"
        "共抽检样品1268批次。\n\n"
        "检验合格1251批次，不合格17批次，合格率98.66%。不合格项目主要为农药残留超标、"
        "微生物污染和食品添加剂超范围使用。\n\n"
        "对抽检发现的不合格食品，已责令相关经营者下架、召回，并依法立案调查。\n\n"
        "不合格食品的具体名单见本局门户网站“抽检信息”栏目。消费者发现问题食品，可拨打12315投诉举报。",
        "department_id": 3,
        "published": "2026-10-20",
        "pinned": False,
    },
    {
        "title": "关于发布重污染天气黄色预警的通告",
        "summary": "受不利气象条件影响，本市11月18日至20日可能出现中度至重度污染，启动黄色预警。",
        "body": "据市环境监测中心会商研判，受静稳天气影响，11月18日至20日本市空气质量将出现中度"
        "至重度污染。根据本市重污染天气应急预案，自11月18日8时起启动黄色预警。"
        "\n\n"
        "预警期间，建筑工地停止土石方作业，重点工业企业按应急减排清单落实限产措施，道路每日增加洒水保洁频次。\n\n"
        "建议儿童、老年人和呼吸道、心脑血管疾病患者减少户外活动，中小学校和幼儿园停止户外体育课。\n\n"
        "预警解除时间另行通告。实时空气质量可在本公众号“空气质量”栏目查询。",
        "department_id": 2,
        "published": "2026-11-17",
        "pinned": False,
    },
    {
        "title": "2027年度城乡居民基本医疗保险集中缴费开始",
        "summary": "2027年度城乡居民医保集中缴费期为2026年9月1日至12月31日。",
        "body": "2027年度城乡居民基本医疗保险集中缴费已于2026年9月1日开始，12月31日结束。\n\n"
        "个人缴费标准为每人每年400元。低保对象、特困人员等困难群众的个人缴费部分按规定给予资助。\n\n"
        "参保人可通过本公众号、税务部门缴费渠道、合作银行网点或医保窗口缴费。中小学生可通过学校统一办理。\n\n"
        "在集中缴费期内缴费的，自2027年1月1日起享受医保待遇。请尚未缴费的居民及时缴费，避免影响待遇享受。",
        "department_id": 10,
        "published": "2026-09-02",
        "pinned": False,
    },
    {
        "title": "2026年失业保险稳岗返还开始发放",
        "summary": "符合条件的企业无需申请，稳岗返还资金将直接拨付至企业对公账户。",
        "body": "为支持企业稳定就业岗位，本市2026年失业保险稳岗返还政策已开始实施。\n\n"
        "上年度未裁员或裁员率不高于规定比例、参保缴费满1年的企业，"
        "可享受稳岗返还。大型企业按企业及其职工上年度实际缴纳失业保险费的30%返还，"
        "中小微企业按60%返还。\n\n"
        "本次返还实行“免申即享”，经数据比对符合条件的企业，资金将于11月底前直接拨付至企业对公账户。\n\n"
        "企业可通过本公众号“稳岗返还”栏目查询本单位审核结果。",
        "department_id": 1,
        "published": "2026-10-12",
        "pinned": False,
    },
    {
        "title": "关于调整城乡最低生活保障标准的通知",
        "summary": "自2026年10月1日起，本市城乡最低生活保障标准统一调整为每人每月1150元。",
        "body": "经市人民政府同意，自2026年10月1日起，本市城乡最低生活保障标准由每人每月1100元调"
        "整为每人每月1150元。\n\n"
        "特困人员基本生活标准同步调整，按不低于低保标准的1.3倍确定。\n\n"
        "已纳入低保的家庭，由乡镇（街道）按新标准重新核定保障金额，无需另行申请。调整后的保障金自10月起发放。\n\n"
        "咨询电话：0571-87023456。",
        "department_id": 6,
        "published": "2026-09-26",
        "pinned": False,
    },
    {
        "title": "2026-2027年度流感疫苗接种工作开始",
        "summary": "全市各社区卫生服务中心预防接种门诊自10月8日起提供流感疫苗接种服务。",
        "body": "秋冬季是流感高发季节，接种流感疫苗是预防流感的有效手段。"
        "全市各社区卫生服务中心预防接种门诊自10月8日起提供流感疫苗接种服务。"
        "\n\n"
        "60周岁及以上老年人、6月龄至5岁儿童、慢性病患者、"
        "医务人员和中小学生为优先接种对象。本市户籍60周岁及以上老年人可免费接种。"
        "\n\n"
        "接种前请通过本公众号“疫苗预约”栏目预约，接种时携带居民身份证。儿童接种须由监护人陪同并携带预防接种证。\n\n"
        "接种后请在接种门诊留观30分钟，如有不适及时告知医务人员。",
        "department_id": 7,
        "published": "2026-09-29",
        "pinned": False,
    },
    {
        "title": "本市新建商品房全面推行“交房即交证”",
        "summary": "自2026年11月1日起取得预售许可的新建商品房项目，全面实行交房时同步交付不动产权证书。",
        "body": "为解决购房人“办证难、办证慢”问题，自2026年11月1日起取得预售许可的新建商品房项目"
        "，全面推行“交房即交证”。\n\n"
        "开发企业应在交房前完成竣工验收备案、首次登记等手续，不动产登记中心提前介入，为购房人集中办理转移登记。\n\n"
        "购房人在交房现场签署登记申请材料、缴纳契税后，即可领取不动产权证书。\n\n"
        "已交房但尚未办证的购房人，可通过本公众号预约不动产登记窗口办理。",
        "department_id": 14,
        "published": "2026-10-28",
        "pinned": False,
    },
    {
        "title": "第三季度出租汽车服务质量考核结果公布",
        "summary": "全市12家出租汽车企业中，评定优秀企业3家、合格8家、不合格1家。",
        "body": "市交通运输局组织对全市12家巡游出租汽车企业第三季度服务质量进行了考核，"
        "考核内容包括投诉处理、车容车貌、驾驶员管理和安全生产等。"
        "\n\n"
        "经考核，评定优秀企业3家、合格企业8家、不合格企业1家。\n\n"
        "第三季度共受理出租汽车服务投诉436件，办结率100%，其中绕路、拒载类投诉占比较上季度下降。\n\n"
        "对考核不合格的企业，已约谈其主要负责人并责令限期整改，整改情况纳入下季度考核。",
        "department_id": 5,
        "published": "2026-10-15",
        "pinned": False,
    },
    {
        "title": "户籍与证件窗口周六延时服务调整",
        "summary": "自11月起，户籍与证件窗口周六上午延时服务增设居住证签注业务。",
        "body": "为方便上班族办理证件业务，自2026年11月起，市民中心户籍与证件窗口周六上午（9:00"
        "-12:00）延时服务范围增加居住证签注业务。\n\n"
        "周六可办理的业务包括居民身份证申领、换领、补领和居住证申领、签注。户口迁移等需审批的业务仍在工作日办理。\n\n"
        "居民身份证业务可通过本公众号提前预约，预约群众优先办理。",
        "department_id": 9,
        "published": "2026-10-30",
        "pinned": False,
    },
    {
        "title": "生活垃圾分类投放时间调整公告",
        "summary": "自11月1日起，试点小区定时定点投放时间调整为早7:00-9:00、晚18:00-20:00。",
        "body": "为适应冬季居民作息时间，经征求试点小区居民意见，"
        "自2026年11月1日起，全市生活垃圾分类试点小区定时定点投放时间调整为早7:00-9:00、"
        "晚18:00-20:00。\n\n"
        "其他时间段需要投放的，可投至小区内设置的误时投放点。\n\n"
        "厨余垃圾应沥干水分并去除包装袋后投放，大件垃圾和装修垃圾请预约上门清运。\n\n"
        "对垃圾分类工作的意见建议，可通过本公众号“城市管理问题反映”提交。",
        "department_id": 12,
        "published": "2026-10-22",
        "pinned": False,
    },
    {
        "title": "2026年第四批公共租赁住房配租公告",
        "summary": "第四批公共租赁住房共提供房源320套，已通过审核的轮候家庭可于11月10日至20日登记选房。",
        "body": "本市2026年第四批公共租赁住房配租工作即将开始，本批次共提供房源320套，分布于城东、城北两个小区。\n\n"
        "截至2026年10月31日已通过审核并在轮候期内的家庭和个人，"
        "可于11月10日至20日通过本公众号或到住房与交通窗口登记选房意向。"
        "\n\n"
        "选房顺序按轮候登记时间确定，优抚对象、残疾人家庭等优先安排。\n\n"
        "房源分布、户型和租金标准详见本局门户网站公告附件。咨询电话：0571-12329。",
        "department_id": 4,
        "published": "2026-11-03",
        "pinned": False,
    },
    {
        "title": "2026年秋季学期学生资助政策告知",
        "summary": "家庭经济困难学生可按规定申请国家助学金、免除学杂费等资助。",
        "body": "2026年秋季学期学生资助工作已开始。本市从学前教育到高中阶段建立了覆盖各学段的学生资助体系。\n\n"
        "学前教育阶段对家庭经济困难幼儿给予保育教育费减免；"
        "义务教育阶段对家庭经济困难寄宿生给予生活补助；普通高中阶段设立国家助学金并免除"
        "建档立卡等家庭经济困难学生学杂费。\n\n"
        "申请人由监护人向就读学校提出申请，学校审核后报教育部门审批。\n\n"
        "学生资助咨询电话：0571-87031234。",
        "department_id": 8,
        "published": "2026-09-08",
        "pinned": False,
    },
]

# Photo albums of government activities.
ALBUMS = [
    {
        "title": "市民中心政务服务大厅开放日",
        "description": "9月26日，市民中心政务服务大厅举办开放日活动，邀请市民代表体验办事流程、提出意见建议。",
        "photos": [
            {"caption": "市民代表在导服台了解大厅布局和办事指南"},
            {"caption": "工作人员演示通过自助终端查询社保缴费记录"},
            {"caption": "市民代表在企业开办专区体验一窗受理流程"},
            {"caption": "座谈会上，市民代表就延时服务和预约办理提出建议"},
            {"caption": "市民代表对窗口服务进行“好差评”评价"},
        ],
    },
    {
        "title": "城区河道综合治理现场",
        "description": "10月中旬，市生态环境局会同相关部门对城区河道开展综合治理，清理淤泥、排查沿河排污口。",
        "photos": [
            {"caption": "清淤船在城东河段作业"},
            {"caption": "执法人员排查沿河排污口"},
            {"caption": "监测人员采集河道水样"},
            {"caption": "施工人员修复沿河生态护岸"},
            {"caption": "治理后的河段水质明显改善"},
        ],
    },
    {
        "title": "便民服务进社区",
        "description": "11月上旬，人力社保、医保、公安户政等部门组成服务队走进社区，现场为居民办理和解答常见事项。",
        "photos": [
            {"caption": "医保窗口工作人员为老年居民讲解异地就医备案"},
            {"caption": "工作人员现场为居民办理社会保障卡"},
            {"caption": "户籍民警为行动不便的老人上门采集身份证信息"},
            {"caption": "就业服务专员向居民介绍免费职业技能培训项目"},
        ],
    },
    {
        "title": "食品安全宣传周活动",
        "description": "市市场监督管理局在中心广场开展食品安全宣传周活动，普及食品安全知识，现场受理消费咨询。",
        "photos": [
            {"caption": "工作人员向市民发放食品安全宣传资料"},
            {"caption": "快检车现场对市民送检的蔬菜进行农药残留检测"},
            {"caption": "执法人员检查农贸市场经营户进货台账"},
            {"caption": "市民在咨询台了解开办餐饮店的许可流程"},
        ],
    },
]

REQUIRED_DEPARTMENTS = [
    (1, "市人力资源和社会保障局"),
    (2, "市生态环境局"),
    (3, "市市场监督管理局"),
    (4, "市住房和城乡建设局"),
    (5, "市交通运输局"),
]
REQUIRED_WINDOWS = {"社会保障窗口", "环境保护窗口", "市场准入窗口", "不动产登记窗口", "户籍与证件窗口", "医保窗口"}
DATATYPES = {"string", "text", "number", "date", "singlevaluelist", "multivaluelist"}
LIST_DATATYPES = {"singlevaluelist", "multivaluelist"}
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _assert_nonempty_strings(value, where):
    """Every string anywhere in value must be non-empty."""
    if isinstance(value, str):
        assert value.strip(), f"empty string in {where}"
    elif isinstance(value, dict):
        for key, item in value.items():
            _assert_nonempty_strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _assert_nonempty_strings(item, f"{where}[{i}]")


def _check_service(service, dept_ids):
    name = service["name"]
    expected = {
        "name",
        "department_id",
        "summary",
        "description",
        "eligibility",
        "materials",
        "fees",
        "time_limit",
        "location",
        "hours",
        "bookable",
        "keywords",
        "faq",
        "form_fields",
    }
    assert set(service) == expected, f"{name}: keys {set(service) ^ expected}"
    assert len(name) <= 64, name
    assert service["department_id"] in dept_ids, name
    assert "\n" not in service["summary"], name
    assert isinstance(service["bookable"], bool), name
    assert 2 <= len(service["materials"]) <= 6, name
    assert 2 <= len(service["keywords"]) <= 6, name
    assert 1 <= len(service["faq"]) <= 3, name
    assert all(set(item) == {"q", "a"} for item in service["faq"]), name
    fields = service["form_fields"]
    assert 0 <= len(fields) <= 4, name
    codes = [field["code"] for field in fields]
    assert len(codes) == len(set(codes)), f"{name}: duplicate field codes"
    for field in fields:
        assert set(field) == {"code", "label", "datatype", "required", "options"}, name
        code = field["code"]
        assert 0 < len(code) <= 32 and set(code) <= CODE_CHARS and code[0].isalpha(), f"{name}: {code}"
        assert field["datatype"] in DATATYPES, f"{name}: {code}"
        assert isinstance(field["required"], bool), f"{name}: {code}"
        options = field["options"]
        if field["datatype"] in LIST_DATATYPES:
            assert options, f"{name}: {code} needs options"
            keys = [option["key"] for option in options]
            assert len(keys) == len(set(keys)), f"{name}: {code} duplicate option keys"
            for option in options:
                assert set(option) == {"key", "name"}, f"{name}: {code}"
                assert option["key"].isascii(), f"{name}: {code}"
        else:
            assert options == [], f"{name}: {code} must have no options"


def check():
    """Assert the counts and constraints the demo data must satisfy."""
    _assert_nonempty_strings(DEPARTMENTS, "DEPARTMENTS")
    _assert_nonempty_strings(WINDOWS, "WINDOWS")
    _assert_nonempty_strings(UNGROUPED_SERVICES, "UNGROUPED_SERVICES")
    _assert_nonempty_strings(NEWS, "NEWS")
    _assert_nonempty_strings(ALBUMS, "ALBUMS")

    assert len(DEPARTMENTS) >= 12
    dept_ids = [dept["id"] for dept in DEPARTMENTS]
    assert dept_ids == list(range(1, len(DEPARTMENTS) + 1)), dept_ids
    assert [(dept["id"], dept["name"]) for dept in DEPARTMENTS[:5]] == REQUIRED_DEPARTMENTS
    dept_names = [dept["name"] for dept in DEPARTMENTS]
    assert len(dept_names) == len(set(dept_names))
    for dept in DEPARTMENTS:
        assert len(dept["name"]) <= 64, dept["name"]
        assert len(dept["remit"]) <= 60 and "\n" not in dept["remit"], dept["name"]
        assert 30.0 < dept["latitude"] < 30.6 and 119.8 < dept["longitude"] < 120.5, dept["name"]
        assert 2 <= len(dept["leaders"]) <= 4, dept["name"]
        for leader in dept["leaders"]:
            assert set(leader) == {"name", "title", "duties"}, dept["name"]

    assert len(WINDOWS) >= 5
    window_ids = [window["id"] for window in WINDOWS]
    assert len(window_ids) == len(set(window_ids))
    window_names = {window["name"] for window in WINDOWS}
    assert len(window_names) == len(WINDOWS)
    assert REQUIRED_WINDOWS <= window_names, REQUIRED_WINDOWS - window_names
    grouped = [service for window in WINDOWS for service in window["services"]]
    assert all(window["services"] for window in WINDOWS)
    assert len(grouped) >= 32, len(grouped)
    assert len(UNGROUPED_SERVICES) >= 3
    services = grouped + UNGROUPED_SERVICES
    names = [service["name"] for service in services]
    assert len(names) == len(set(names)), "duplicate service names"
    for service in services:
        _check_service(service, set(dept_ids))
    bookable = sum(service["bookable"] for service in services)
    assert 0.25 <= bookable / len(services) <= 0.45, bookable

    by_window = {window["name"]: {service["name"]: service for service in window["services"]} for window in WINDOWS}
    for name in ("失业人员各项补贴", "农村五保供养申请", "劳动仲裁", "就业培训", "社保卡申领"):
        assert name in by_window["社会保障窗口"], name
    for name in ("污染控制", "监督管理", "法制宣传", "自然生态保护"):
        assert name in by_window["环境保护窗口"], name
    food = by_window["市场准入窗口"]["食品经营许可"]
    assert "开饭店" in food["keywords"] and "开餐馆" in food["keywords"]

    assert len(NEWS) >= 12
    for item in NEWS:
        assert set(item) == {"title", "summary", "body", "department_id", "published", "pinned"}, item["title"]
        assert item["department_id"] in dept_ids, item["title"]
        assert date(2026, 9, 1) <= date.fromisoformat(item["published"]) <= date(2026, 11, 30), item["title"]
        assert 3 <= len(item["body"].split("\n\n")) <= 6, item["title"]
        assert "\n" not in item["summary"], item["title"]
    assert 1 <= sum(item["pinned"] for item in NEWS) <= 2

    assert len(ALBUMS) >= 3
    for album in ALBUMS:
        assert 4 <= len(album["photos"]) <= 6, album["title"]


if __name__ == "__main__":
    check()
    print(
        {
            "departments": len(DEPARTMENTS),
            "windows": len(WINDOWS),
            "window_services": sum(len(window["services"]) for window in WINDOWS),
            "ungrouped_services": len(UNGROUPED_SERVICES),
            "bookable": sum(s["bookable"] for w in WINDOWS for s in w["services"])
            + sum(s["bookable"] for s in UNGROUPED_SERVICES),
            "news": len(NEWS),
            "pinned": sum(item["pinned"] for item in NEWS),
            "albums": len(ALBUMS),
            "photos": sum(len(album["photos"]) for album in ALBUMS),
        }
    )
