"""The scenarios shipped with the product, modelled on the situations in the seed article (a cable-products
distributor, a hotel sales department, B2B sales). Loaded by `practice.demo.seed` through the importer, so
they are validated like any trainer's file. Chinese first; two also in English."""

FALLBACK_ZH = "我没太听明白，您能具体说说吗？"
FALLBACK_EN = "Sorry, I didn't quite follow. Could you be more specific?"

DISTRIBUTOR = {
    "code": "distributor-first-call",
    "title": "首次拜访线缆经销商",
    "language": "zh-hans",
    "persona_role": "经销商老板（王总）",
    "persona_company": "城东五金电料批发部",
    "persona_temperament": "务实、警惕、时间紧，不喜欢听空话",
    "situation": "你是线缆公司新到片区的销售，第一次上门拜访当地一家五金电料批发商，对方已经在卖两个电缆品牌。",
    "goal": "介绍自己和公司，了解经销商现状和顾虑，讲清楚对经销商的支持政策，约好下一次带样品和价格表拜访。",
    "difficulty": "easy",
    "status": "published",
    "category": "sales-skills",
    "competency": "ability",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": FALLBACK_ZH,
        "nodes": [
            {
                "id": "open",
                "lines": ["你好，你是哪个公司的？我这会儿挺忙的，有什么事快说。"],
                "branches": [
                    {
                        "to": "has_brands",
                        "intents": [
                            "我是某某电缆公司的销售，想跟您介绍一下我们的产品",
                            "王总您好，我是新来负责这片区域的业务员",
                        ],
                        "keywords": ["公司", "介绍", "业务员", "销售"],
                    },
                    {
                        "to": "current",
                        "intents": ["请问您店里现在主要卖哪些品牌的电缆？"],
                        "keywords": ["哪些品牌", "现在卖"],
                    },
                ],
            },
            {
                "id": "has_brands",
                "lines": ["我店里已经有好几个电缆品牌了，再多一个意义不大。"],
                "objection": "has_supplier",
                "branches": [
                    {
                        "to": "current",
                        "intents": ["您现在主要卖哪些品牌？销量怎么样？", "现在经营中最头疼的是什么问题？"],
                        "keywords": ["哪些品牌", "销量", "头疼", "目前", "现在"],
                    },
                    {
                        "to": "price",
                        "intents": [
                            "我们对经销商有铺货和账期支持，还派人协助开发市场",
                            "我们的质量和售后比现有品牌更有优势",
                        ],
                        "keywords": ["支持", "账期", "铺货", "售后", "质量"],
                    },
                ],
            },
            {
                "id": "current",
                "lines": ["现在主要卖两个牌子，工程单子多一些，零售一般。最头疼的是压货和账期。"],
                "branches": [
                    {
                        "to": "price",
                        "intents": ["我们可以小批量铺货，给您灵活的账期，减少压货", "我们派专人协助您开发工程客户"],
                        "keywords": ["账期", "铺货", "压货", "库存", "协助"],
                    }
                ],
            },
            {
                "id": "price",
                "lines": ["听起来还行，不过你们价格怎么样？比我现在拿的货贵吗？"],
                "objection": "price",
                "branches": [
                    {
                        "to": "close",
                        "intents": [
                            "我们价格有竞争力，质量稳定退货少，综合算下来更划算",
                            "下次我带价格表和样品过来给您对比",
                        ],
                        "keywords": ["价格表", "样品", "性价比", "综合", "划算"],
                    }
                ],
            },
            {"id": "close", "lines": ["行吧，那你下次带点样品和价格表过来，我看看再说。"], "closing": True},
        ],
        "objections": [
            {
                "code": "has_supplier",
                "label": "已经有供应商了",
                "model_answer": "理解，您已经有稳定的品牌。我们不是要替换，而是补充：我们在铺货、账期和市场协助上有支持，可以先小批量试一试。",
                "points": ["理解客户已有稳定的供应商", "提出作为补充而不是替换", "说明对经销商的支持政策"],
            },
            {
                "code": "price",
                "label": "价格比现在的贵吗",
                "model_answer": "单价上我们有竞争力，而且质量稳定退货少，综合成本更低；下次我带价格表和样品给您对比。",
                "points": ["从综合成本和质量讲价值", "提出带价格表和样品对比"],
            },
        ],
        "key_points": [
            {
                "code": "intro",
                "canonical": "介绍自己和公司，说明来意",
                "examples": ["我是某某电缆公司的销售，今天来拜访您", "我是新负责这片区域的业务员"],
                "synonyms": [["公司", "厂家", "企业"], ["拜访", "来访", "登门"]],
            },
            {
                "code": "discover",
                "canonical": "了解经销商目前经营的品牌和销量",
                "examples": ["您现在主要卖哪些品牌？", "店里的销量怎么样？"],
                "synonyms": [["品牌", "牌子"], ["销量", "出货量"]],
            },
            {
                "code": "support",
                "canonical": "介绍对经销商的支持政策，比如铺货、账期和市场协助",
                "examples": ["我们可以小批量铺货，给您灵活的账期", "我们会派人协助您开发工程客户"],
                "synonyms": [["账期", "付款期"], ["铺货", "供货"]],
            },
            {
                "code": "next",
                "canonical": "约定下一次拜访并带样品和价格表",
                "examples": ["我下周二带样品和价格表再来拜访您", "我们约个时间，我把样品送过来"],
                "synonyms": [["样品", "样板"], ["价格表", "报价单"]],
            },
        ],
        "forbidden": [{"pattern": "别家*都是假货", "severity": "warning", "note": "贬低竞争对手"}],
        "rubric": {"pass_mark": 60},
    },
}

TOO_EXPENSIVE = {
    "code": "objection-too-expensive",
    "title": "客户异议：太贵了",
    "language": "zh-hans",
    "persona_role": "采购经理（李经理）",
    "persona_company": "宏达建筑工程有限公司",
    "persona_temperament": "精打细算，喜欢压价，但看重质量问题带来的返工风险",
    "situation": "你上周给客户报了一批工程用电缆的价格，客户回电话说比别家贵了 15%。",
    "goal": "不急于降价：先弄清客户比较的对象，讲清综合成本和质量证据，必要时用有条件的让步换取长期合作。",
    "difficulty": "medium",
    "status": "published",
    "category": "sales-skills",
    "competency": "ability",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": FALLBACK_ZH,
        "nodes": [
            {
                "id": "open",
                "lines": ["你们的报价我看了，比别家贵了差不多百分之十五，太贵了。"],
                "objection": "price",
                "branches": [
                    {
                        "to": "compared",
                        "intents": ["请问您是和哪家的报价在比较？规格型号一样吗？", "方便说一下对比的是哪个品牌吗"],
                        "keywords": ["哪家", "规格", "型号", "比较", "对比"],
                    },
                    {
                        "to": "discount",
                        "intents": ["那我给您打个九折吧", "我可以再给您便宜一点"],
                        "keywords": ["打折", "折扣", "便宜", "降价", "九折"],
                    },
                    {
                        "to": "prove",
                        "intents": [
                            "我们的电缆铜材纯度高，使用寿命长，综合成本更低",
                            "虽然单价高一些，但返工和维修少很多",
                        ],
                        "keywords": ["寿命", "综合成本", "质量", "纯度", "返工"],
                    },
                ],
            },
            {
                "id": "compared",
                "lines": ["是另一个牌子的，规格应该差不多吧。"],
                "branches": [
                    {
                        "to": "prove",
                        "intents": [
                            "同样的规格，铜材纯度和绝缘层厚度不一样，使用寿命差很多",
                            "我们的产品按国标足量生产，不偷工减料",
                        ],
                        "keywords": ["纯度", "厚度", "寿命", "国标", "标准"],
                    }
                ],
            },
            {
                "id": "discount",
                "lines": ["你一下就降了，说明原来水分很大啊，那再降一点？"],
                "objection": "discount",
                "branches": [
                    {
                        "to": "prove",
                        "intents": ["价格是按质量定的，我们的铜材和工艺都有保障", "我们更想跟您讲讲产品的价值"],
                        "keywords": ["质量", "价值", "工艺", "寿命"],
                    }
                ],
            },
            {
                "id": "prove",
                "lines": ["质量好谁都会说，你怎么证明？"],
                "objection": "proof",
                "branches": [
                    {
                        "to": "terms",
                        "intents": [
                            "我们有国家检测报告，还有很多工程案例，可以带您去现场看",
                            "我把第三方检测报告和合作案例发给您",
                        ],
                        "keywords": ["检测报告", "案例", "认证", "现场", "参观"],
                    }
                ],
            },
            {
                "id": "terms",
                "lines": ["报告和案例你发我看看。价格方面你们还有没有空间？"],
                "objection": "discount",
                "branches": [
                    {
                        "to": "close",
                        "intents": [
                            "如果贵司能签年度框架协议，我们可以在付款方式上给予支持",
                            "批量大的话我们可以申请一些优惠",
                        ],
                        "keywords": ["年度", "批量", "付款方式", "框架协议", "长期合作"],
                    }
                ],
            },
            {"id": "close", "lines": ["行，你准备一份方案，下周我们再详细谈。"], "closing": True},
        ],
        "objections": [
            {
                "code": "price",
                "label": "太贵了",
                "model_answer": "理解您对成本的关注。请问您对比的是哪家、规格一样吗？我们的铜材纯度和寿命更有保障，综合成本更低。",
                "points": ["询问客户比较的对象和规格", "从使用寿命和综合成本讲价值"],
            },
            {
                "code": "discount",
                "label": "再便宜点",
                "model_answer": "价格是按质量和服务定的；如果能签年度协议或者加大批量，我们可以在付款方式上给予支持。",
                "points": ["不无条件降价", "用批量或长期合作换取有条件的优惠"],
            },
            {
                "code": "proof",
                "label": "怎么证明质量好",
                "model_answer": "我们有第三方检测报告和多个工程案例，我把资料发给您，也欢迎您到工地现场看看。",
                "points": ["提供检测报告等证据", "提供工程案例或邀请参观"],
            },
        ],
        "key_points": [
            {
                "code": "ask",
                "canonical": "询问客户是和哪家的报价在比较，规格是否一致",
                "examples": ["您对比的是哪个品牌？", "两家的规格型号一样吗？"],
                "synonyms": [["比较", "对比"], ["规格", "型号"]],
            },
            {
                "code": "value",
                "canonical": "从使用寿命和综合成本说明价值",
                "examples": ["虽然单价高一点，但寿命长，综合成本更低", "返工和维修少，长期算下来更划算"],
                "synonyms": [["综合成本", "总成本", "长期成本"], ["寿命", "使用年限"]],
            },
            {
                "code": "proof",
                "canonical": "用检测报告和工程案例证明质量",
                "examples": ["我们有第三方检测报告", "可以带您去看我们做过的工程"],
                "synonyms": [["检测报告", "质检报告"], ["案例", "项目"]],
            },
            {
                "code": "conditional",
                "canonical": "用批量或长期合作换取有条件的优惠，而不是直接降价",
                "examples": ["如果签年度协议，我们可以在付款方式上支持", "量大的话可以申请优惠"],
                "synonyms": [["优惠", "折扣"], ["年度协议", "框架协议"]],
            },
        ],
        "rubric": {"pass_mark": 65},
    },
}

BANQUET = {
    "code": "hotel-banquet-enquiry",
    "title": "酒店婚宴咨询电话",
    "language": "zh-hans",
    "persona_role": "准新娘（陈小姐）",
    "persona_company": "个人客户",
    "persona_temperament": "温和、有主见，正在几家酒店之间比价",
    "situation": "你是酒店宴会销售，接到一位准新娘的电话，想了解婚宴价格。",
    "goal": "问清日期、桌数和预算，介绍不同价位的菜单和包含的服务，邀请到店参观和试菜，留下联系方式跟进。",
    "difficulty": "easy",
    "status": "published",
    "category": "product",
    "competency": "knowledge",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": FALLBACK_ZH,
        "nodes": [
            {
                "id": "open",
                "lines": ["您好，我想问一下你们酒店办婚宴，一桌大概多少钱？"],
                "branches": [
                    {
                        "to": "details",
                        "intents": ["请问您的婚期定在哪天？大概需要多少桌？", "方便说一下日期和桌数吗"],
                        "keywords": ["日期", "哪天", "桌数", "多少桌", "婚期"],
                    },
                    {
                        "to": "cheaper",
                        "intents": ["我们婚宴套餐从每桌三千八到六千八不等", "一桌的价格要看选哪个菜单"],
                        "keywords": ["每桌", "套餐", "菜单", "价位"],
                    },
                ],
            },
            {
                "id": "details",
                "lines": ["明年五月，大概二十五桌，预算每桌四千左右。"],
                "branches": [
                    {
                        "to": "cheaper",
                        "intents": [
                            "四千左右的话我们有一款套餐，含迎宾酒水和布置",
                            "我们的婚宴菜单分几个价位，都包含基础布置和主持",
                        ],
                        "keywords": ["套餐", "菜单", "包含", "布置", "服务"],
                    }
                ],
            },
            {
                "id": "cheaper",
                "lines": ["嗯，不过隔壁那家酒店同样的价位好像还送婚房。"],
                "objection": "competitor",
                "branches": [
                    {
                        "to": "think",
                        "intents": ["我们宴会厅无柱、层高够，而且赠送婚房和停车", "欢迎您来实地看看场地再比较"],
                        "keywords": ["宴会厅", "场地", "婚房", "停车", "参观", "看看"],
                    }
                ],
            },
            {
                "id": "think",
                "lines": ["好的，我们还要再比较几家，再考虑考虑。"],
                "objection": "timing",
                "branches": [
                    {
                        "to": "close",
                        "intents": ["这个周末您方便来试菜吗？我帮您预留", "五月是旺季，档期紧张，建议您先来看看"],
                        "keywords": ["试菜", "周末", "预留", "档期", "到店"],
                    }
                ],
            },
            {"id": "close", "lines": ["那好，周六下午我们过去看看，你把地址发我。"], "closing": True},
        ],
        "objections": [
            {
                "code": "competitor",
                "label": "别家送婚房",
                "model_answer": "理解您会比较。我们的宴会厅无柱、层高够，同样赠送婚房和停车，欢迎您来现场看看再决定。",
                "points": ["说明本酒店场地和服务的优势", "邀请客户到店实地比较"],
            },
            {
                "code": "timing",
                "label": "再比较几家",
                "model_answer": "应该的。五月是婚宴旺季，档期比较紧，这周末您方便来试菜吗？我先帮您预留。",
                "points": ["提醒旺季档期紧张", "邀请试菜或到店参观"],
            },
        ],
        "key_points": [
            {
                "code": "needs",
                "canonical": "问清婚期、桌数和每桌预算",
                "examples": ["请问婚期是哪天？", "大概多少桌？每桌预算多少？"],
                "synonyms": [["婚期", "日期"], ["预算", "价位"]],
            },
            {
                "code": "menu",
                "canonical": "介绍不同价位的婚宴菜单和包含的服务",
                "examples": ["我们有几个价位的套餐，都含布置和主持", "这个价位含迎宾酒水"],
                "synonyms": [["菜单", "套餐"], ["服务", "布置"]],
            },
            {
                "code": "visit",
                "canonical": "邀请客户到店参观场地和试菜",
                "examples": ["欢迎您来酒店看看场地", "这个周末来试菜吧"],
                "synonyms": [["参观", "看看"], ["试菜", "品鉴"]],
            },
            {
                "code": "contact",
                "canonical": "留下客户联系方式以便跟进",
                "examples": ["方便留个电话吗？", "我加您微信把菜单发给您"],
                "synonyms": [["微信", "电话", "联系方式"]],
            },
        ],
        "rubric": {"pass_mark": 60},
    },
}

B2B = {
    "code": "b2b-decision-maker",
    "title": "B2B 决策人会谈",
    "language": "zh-hans",
    "persona_role": "生产副总（赵总）",
    "persona_company": "华远精密制造股份有限公司",
    "persona_temperament": "强势、时间宝贵、只关心投入产出",
    "situation": "经过技术部门引荐，你第一次见到客户的生产副总，推荐你们的设备监测与节能方案。",
    "goal": "了解业务目标和痛点，弄清决策流程和参与人，用数据讲投资回报，争取试点或技术交流。",
    "difficulty": "hard",
    "status": "published",
    "category": "market",
    "competency": "ability",
    "spec": {
        "start": "open",
        "max_turns": 10,
        "fallback_line": FALLBACK_ZH,
        "nodes": [
            {
                "id": "open",
                "lines": ["我只有十五分钟。你们这个方案到底能给我们带来什么？"],
                "branches": [
                    {
                        "to": "pain",
                        "intents": [
                            "在介绍之前想先了解一下，您今年生产上最关注的目标是什么？",
                            "目前设备停机和能耗方面有哪些困扰？",
                        ],
                        "keywords": ["目标", "困扰", "痛点", "关注", "停机"],
                    },
                    {
                        "to": "roi",
                        "intents": [
                            "我们的方案能把非计划停机减少三成，能耗降低百分之八",
                            "类似的工厂用了以后一年就收回了投资",
                        ],
                        "keywords": ["停机", "能耗", "收回", "回报", "降低"],
                    },
                ],
            },
            {
                "id": "pain",
                "lines": ["最头疼的是设备突然停机，一次就耽误好几十万的订单。"],
                "branches": [
                    {
                        "to": "roi",
                        "intents": [
                            "我们的预测性维护能提前发现故障，减少非计划停机",
                            "按您说的损失，减少一次停机就能覆盖大部分投入",
                        ],
                        "keywords": ["预测", "提前", "减少", "停机", "损失"],
                    }
                ],
            },
            {
                "id": "roi",
                "lines": ["听着不错，但这种项目不是我一个人能定的，得董事长拍板。"],
                "objection": "boss",
                "branches": [
                    {
                        "to": "budget",
                        "intents": [
                            "明白，除了董事长，还有哪些部门会参与决策？",
                            "您看我准备一份投资回报分析，方便您向董事长汇报",
                        ],
                        "keywords": ["董事长", "决策", "参与", "汇报", "流程"],
                    }
                ],
            },
            {
                "id": "budget",
                "lines": ["还有财务和设备部。不过今年预算已经定了，恐怕要等明年。"],
                "objection": "timing",
                "branches": [
                    {
                        "to": "close",
                        "intents": [
                            "我们可以先在一条产线做小范围试点，费用很低",
                            "先做一次技术交流，把明年的预算提前规划进去",
                        ],
                        "keywords": ["试点", "技术交流", "明年", "规划", "小范围"],
                    }
                ],
            },
            {"id": "close", "lines": ["试点可以考虑，你跟设备部约个时间做个技术交流吧。"], "closing": True},
        ],
        "objections": [
            {
                "code": "boss",
                "label": "得老板拍板",
                "model_answer": "理解，这么重要的投入需要董事长决定。除了董事长还有哪些部门参与？我准备一份投资回报分析，方便您汇报。",
                "points": ["了解决策流程和参与人", "提供帮助客户向上汇报的材料"],
            },
            {
                "code": "timing",
                "label": "今年没有预算",
                "model_answer": "明白预算已经定了。我们可以先在一条产线做低成本试点，用数据支撑明年的预算规划。",
                "points": ["提出低成本试点", "帮助客户规划明年预算"],
            },
        ],
        "key_points": [
            {
                "code": "goals",
                "canonical": "了解客户的业务目标和主要痛点",
                "examples": ["您今年生产上最关注什么？", "设备停机给您带来多大影响？"],
                "synonyms": [["痛点", "困扰", "难题"]],
            },
            {
                "code": "process",
                "canonical": "弄清决策流程和参与决策的人",
                "examples": ["还有哪些部门参与决策？", "审批流程是怎样的？"],
                "synonyms": [["决策", "拍板", "审批"]],
            },
            {
                "code": "roi",
                "canonical": "用数据说明投资回报",
                "examples": ["非计划停机能减少三成", "一年左右收回投资"],
                "synonyms": [["投资回报", "回报", "收回投资"]],
            },
            {
                "code": "pilot",
                "canonical": "提出试点或技术交流作为下一步",
                "examples": ["我们先做个小范围试点", "下周安排一次技术交流"],
                "synonyms": [["试点", "试运行"]],
            },
        ],
        "rubric": {
            "pass_mark": 65,
            "weights": {
                "key_points": 30,
                "objections": 20,
                "compliance": 10,
                "discovery": 20,
                "empathy": 5,
                "conciseness": 5,
                "close": 10,
            },
        },
    },
}

COMPLAINT = {
    "code": "returning-customer-complaint",
    "title": "老客户投诉质量问题",
    "language": "zh-hans",
    "persona_role": "工程部经理（孙经理）",
    "persona_company": "合作三年的机电安装公司",
    "persona_temperament": "生气、着急，工地在等",
    "situation": "老客户上个月进的一批电缆有几卷绝缘层破损，工地被迫停工，他打电话来投诉。",
    "goal": "先道歉并认同感受，问清问题和影响，按公司承诺给出更换方案，约定时间并跟进，挽回信任。",
    "difficulty": "medium",
    "status": "published",
    "category": "company",
    "competency": "mindset",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": "你说什么？我现在没心情听这些，到底怎么解决？",
        "nodes": [
            {
                "id": "open",
                "lines": ["你们上个月那批电缆怎么回事？好几卷绝缘层都破了，工地都停工了！"],
                "branches": [
                    {
                        "to": "details",
                        "intents": ["非常抱歉给您添麻烦了，我理解您现在很着急", "真对不起，这件事影响了您的工期"],
                        "keywords": ["抱歉", "对不起", "理解", "着急"],
                    },
                    {
                        "to": "angry",
                        "intents": ["不可能吧，我们的产品质量一直很好", "是不是你们施工的时候弄坏的？"],
                        "keywords": ["不可能", "施工", "你们自己"],
                    },
                ],
            },
            {
                "id": "angry",
                "lines": ["你这是什么态度？出了问题还怪我们？"],
                "branches": [
                    {
                        "to": "details",
                        "intents": ["对不起，是我说话不妥，我先了解清楚情况", "非常抱歉，我理解您的心情"],
                        "keywords": ["对不起", "抱歉", "理解"],
                    }
                ],
            },
            {
                "id": "details",
                "lines": ["一共五卷，型号是 YJV 4×25，工地那边等着用。"],
                "branches": [
                    {
                        "to": "trust",
                        "intents": [
                            "按我们公司的承诺，质量问题百分之百免费更换，我今天就安排发货",
                            "我马上安排补货，明天上午送到工地",
                        ],
                        "keywords": ["更换", "补货", "发货", "送到"],
                    }
                ],
            },
            {
                "id": "trust",
                "lines": ["你们每次都这么说，我怎么相信下次不会再出问题？"],
                "objection": "trust",
                "branches": [
                    {
                        "to": "loss",
                        "intents": ["我们会把这批货送检，查明原因后给您书面报告", "以后每批发货前我们增加一道检验"],
                        "keywords": ["送检", "原因", "报告", "检验"],
                    }
                ],
            },
            {
                "id": "loss",
                "lines": ["那停工这两天的损失谁来承担？"],
                "objection": "compensation",
                "branches": [
                    {
                        "to": "close",
                        "intents": [
                            "损失的部分我马上向公司申请，今天下班前给您答复",
                            "我们一起核算一下影响，我负责跟进到底",
                        ],
                        "keywords": ["申请", "答复", "核算", "跟进"],
                    }
                ],
            },
            {"id": "close", "lines": ["好吧，明天上午货一定要到，有结果马上告诉我。"], "closing": True},
        ],
        "objections": [
            {
                "code": "trust",
                "label": "不信任",
                "model_answer": "您的担心我完全理解。这批货我们会送检查明原因并给您书面报告，以后每批发货前增加一道检验。",
                "points": ["查明原因并给出书面报告", "提出防止再次发生的措施"],
            },
            {
                "code": "compensation",
                "label": "损失谁承担",
                "model_answer": "这个我马上向公司申请，我们一起核算影响，今天下班前给您明确答复。",
                "points": ["承诺向公司申请处理损失", "给出明确的答复时间"],
            },
        ],
        "key_points": [
            {
                "code": "apologise",
                "canonical": "先道歉并认同客户的感受",
                "examples": ["非常抱歉给您添麻烦了", "我理解您现在很着急"],
                "synonyms": [["抱歉", "对不起"]],
            },
            {
                "code": "facts",
                "canonical": "问清问题的具体情况和影响",
                "examples": ["一共有几卷？是什么型号？", "工地那边影响有多大？"],
                "synonyms": [["型号", "规格"]],
            },
            {
                "code": "remedy",
                "canonical": "按公司承诺给出免费更换的方案",
                "examples": ["质量问题我们百分之百免费更换", "我今天就安排补货"],
                "synonyms": [["更换", "换货", "补货"]],
            },
            {
                "code": "followup",
                "canonical": "约定时间并承诺跟进",
                "examples": ["明天上午送到工地", "今天下班前给您答复"],
                "synonyms": [["跟进", "回复", "答复"]],
            },
        ],
        "rubric": {
            "pass_mark": 60,
            "weights": {
                "key_points": 25,
                "objections": 20,
                "compliance": 10,
                "discovery": 10,
                "empathy": 20,
                "conciseness": 5,
                "close": 10,
            },
        },
    },
}

COMPLIANCE = {
    "code": "compliance-trap",
    "title": "合规陷阱：客户要求保证收益",
    "language": "zh-hans",
    "persona_role": "个体老板（刘总）",
    "persona_company": "餐饮连锁店",
    "persona_temperament": "爽快、急性子，喜欢听确定的答案",
    "situation": "客户想用一笔闲钱购买公司代销的理财型产品，一再要求你保证收益。",
    "goal": "不做任何收益或无风险承诺，说明风险，了解客户的风险承受能力和资金用途，建议阅读合同条款后再决定。",
    "difficulty": "medium",
    "status": "published",
    "category": "company",
    "competency": "ethics",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": FALLBACK_ZH,
        "nodes": [
            {
                "id": "open",
                "lines": ["我有五十万闲钱，你们这个产品能保证一年赚百分之八吧？"],
                "objection": "guarantee",
                "branches": [
                    {
                        "to": "others",
                        "intents": ["这个产品不能保证收益，过往业绩不代表未来", "理财有风险，我没法给您承诺收益"],
                        "keywords": ["不能保证", "风险", "不代表", "没法承诺"],
                    },
                    {
                        "to": "risk",
                        "intents": ["这笔钱您打算用多久？能接受多大的波动？", "请问您之前投资过类似的产品吗？"],
                        "keywords": ["多久", "波动", "风险承受", "投资过"],
                    },
                ],
            },
            {
                "id": "others",
                "lines": ["别家都说保证收益，你们为什么不敢？"],
                "objection": "guarantee",
                "branches": [
                    {
                        "to": "risk",
                        "intents": [
                            "承诺保本保收益是违规的，正规机构都不能这么说",
                            "我宁愿把风险讲清楚，也不想让您误会",
                        ],
                        "keywords": ["违规", "正规", "讲清楚", "误会"],
                    }
                ],
            },
            {
                "id": "risk",
                "lines": ["这钱一年内可能要用来开新店，亏了可不行。"],
                "branches": [
                    {
                        "to": "close",
                        "intents": [
                            "那建议您选流动性好、风险低的产品，合同条款您先仔细看看",
                            "我把产品说明书和风险提示发给您，您看完再决定",
                        ],
                        "keywords": ["流动性", "低风险", "合同", "说明书", "风险提示"],
                    }
                ],
            },
            {"id": "close", "lines": ["行，你把材料发我，我看完再联系你。"], "closing": True},
        ],
        "objections": [
            {
                "code": "guarantee",
                "label": "要求保证收益",
                "model_answer": "理解您希望稳妥。理财产品不能保证收益，过往业绩不代表未来；我们先看看这笔钱的用途和您能接受的风险，再选合适的产品。",
                "points": ["明确说明不能保证收益", "了解客户的资金用途和风险承受能力"],
            }
        ],
        "key_points": [
            {
                "code": "no_promise",
                "canonical": "说明产品不能保证收益，存在风险",
                "examples": ["这个产品不能保证收益", "理财有风险，投资需谨慎"],
                "synonyms": [["收益", "回报"]],
            },
            {
                "code": "suitability",
                "canonical": "了解客户的资金用途和风险承受能力",
                "examples": ["这笔钱打算用多久？", "您能接受多大的亏损？"],
                "synonyms": [["风险承受能力", "承受能力"]],
            },
            {
                "code": "documents",
                "canonical": "建议客户阅读合同条款和风险提示后再决定",
                "examples": ["您先仔细看看合同条款", "我把风险提示发给您"],
                "synonyms": [["合同", "协议"], ["说明书", "产品资料"]],
            },
        ],
        "forbidden": [
            {"pattern": "肯定*赚", "severity": "blocker", "note": "收益承诺"},
            {"pattern": "保本", "severity": "blocker", "note": "保本承诺"},
        ],
        "rubric": {
            "pass_mark": 60,
            "weights": {
                "key_points": 35,
                "objections": 20,
                "compliance": 20,
                "discovery": 10,
                "empathy": 5,
                "conciseness": 5,
                "close": 5,
            },
        },
    },
}

TOO_EXPENSIVE_EN = {
    "code": "objection-too-expensive-en",
    "variant_of": "objection-too-expensive",
    "title": "Objection: “It's too expensive”",
    "language": "en",
    "persona_role": "Purchasing manager (Ms. Li)",
    "persona_company": "Hongda Construction Ltd.",
    "persona_temperament": "Cost-conscious, pushes for discounts, worried about rework",
    "situation": "Last week you quoted a batch of building cable. The buyer calls back: your price is 15% above another supplier.",
    "goal": "Don't rush to discount: find out what they compared, explain total cost with evidence, trade any concession for commitment.",
    "difficulty": "medium",
    "status": "published",
    "category": "sales-skills",
    "competency": "ability",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": FALLBACK_EN,
        "nodes": [
            {
                "id": "open",
                "lines": [
                    "I looked at your quote. You're about fifteen percent more expensive than the others. That's too much."
                ],
                "objection": "price",
                "branches": [
                    {
                        "to": "compared",
                        "intents": ["Which supplier are you comparing us with? Is it the same specification?"],
                        "keywords": ["which supplier", "specification", "compare", "comparing"],
                    },
                    {
                        "to": "discount",
                        "intents": ["I can give you ten percent off.", "Let me lower the price for you."],
                        "keywords": ["discount", "percent off", "lower the price", "cheaper"],
                    },
                    {
                        "to": "prove",
                        "intents": [
                            "Our cable lasts longer, so the total cost of ownership is lower.",
                            "You'll have far less rework and maintenance.",
                        ],
                        "keywords": ["total cost", "lasts longer", "quality", "rework", "lifetime"],
                    },
                ],
            },
            {
                "id": "compared",
                "lines": ["Another brand. The spec looks about the same to me."],
                "branches": [
                    {
                        "to": "prove",
                        "intents": [
                            "Same spec on paper, but copper purity and insulation thickness differ, and so does lifetime."
                        ],
                        "keywords": ["purity", "thickness", "lifetime", "standard"],
                    }
                ],
            },
            {
                "id": "discount",
                "lines": ["You dropped that fast. So there was room all along? Go lower."],
                "objection": "discount",
                "branches": [
                    {
                        "to": "prove",
                        "intents": ["Our price reflects quality; let me show you the value instead."],
                        "keywords": ["value", "quality", "reflects"],
                    }
                ],
            },
            {
                "id": "prove",
                "lines": ["Everyone says their quality is better. How do you prove it?"],
                "objection": "proof",
                "branches": [
                    {
                        "to": "terms",
                        "intents": ["We have third-party test reports and reference projects you can visit."],
                        "keywords": ["test report", "reference", "certificate", "visit", "case"],
                    }
                ],
            },
            {
                "id": "terms",
                "lines": ["Send me the reports. Is there any flexibility on price?"],
                "objection": "discount",
                "branches": [
                    {
                        "to": "close",
                        "intents": ["If you commit to an annual agreement, we can offer better payment terms."],
                        "keywords": ["annual", "volume", "payment terms", "long-term"],
                    }
                ],
            },
            {
                "id": "close",
                "lines": ["Fine. Put a proposal together and let's talk again next week."],
                "closing": True,
            },
        ],
        "objections": [
            {
                "code": "price",
                "label": "Too expensive",
                "model_answer": "I understand cost matters. Which supplier are you comparing with, and is it the same spec? Our cable lasts longer, so the total cost is lower.",
                "points": ["Ask what the customer is comparing with", "Explain value through lifetime and total cost"],
            },
            {
                "code": "discount",
                "label": "Go lower",
                "model_answer": "Our price reflects quality and service; with an annual agreement or larger volume we can help on payment terms.",
                "points": ["Do not discount without conditions", "Trade a concession for volume or commitment"],
            },
            {
                "code": "proof",
                "label": "Prove the quality",
                "model_answer": "We have third-party test reports and reference projects; I'll send them and you're welcome to visit a site.",
                "points": ["Offer test reports as evidence", "Offer reference projects or a site visit"],
            },
        ],
        "key_points": [
            {
                "code": "ask",
                "canonical": "Ask which supplier they compare with and whether the specification is the same",
                "examples": ["Who are you comparing us with?", "Is it the same specification?"],
                "synonyms": [["compare", "comparing", "benchmark"], ["specification", "spec"]],
            },
            {
                "code": "value",
                "canonical": "Explain value through lifetime and total cost of ownership",
                "examples": ["It lasts longer, so the total cost is lower", "Less rework and maintenance over time"],
                "synonyms": [["total cost", "lifetime cost"]],
            },
            {
                "code": "proof",
                "canonical": "Prove quality with test reports and reference projects",
                "examples": ["We have third-party test reports", "You can visit our reference projects"],
                "synonyms": [["test report", "certificate"]],
            },
            {
                "code": "conditional",
                "canonical": "Trade any concession for volume or a long-term commitment",
                "examples": [
                    "With an annual agreement we can improve payment terms",
                    "For larger volumes we can offer better terms",
                ],
                "synonyms": [["annual agreement", "framework agreement"]],
            },
        ],
        "rubric": {"pass_mark": 65},
    },
}

COMPLIANCE_EN = {
    "code": "compliance-trap-en",
    "variant_of": "compliance-trap",
    "title": "Compliance trap: “Guarantee my returns”",
    "language": "en",
    "persona_role": "Restaurant owner (Mr. Liu)",
    "persona_company": "A small restaurant chain",
    "persona_temperament": "Direct and impatient; wants certainty",
    "situation": "The customer wants to put spare cash into a wealth product your company distributes and keeps asking you to guarantee the return.",
    "goal": "Make no promise of returns or of no risk, explain the risks, learn their time horizon and risk tolerance, and suggest reading the terms first.",
    "difficulty": "medium",
    "status": "published",
    "category": "company",
    "competency": "ethics",
    "spec": {
        "start": "open",
        "max_turns": 8,
        "fallback_line": FALLBACK_EN,
        "nodes": [
            {
                "id": "open",
                "lines": ["I have half a million spare. You can guarantee me eight percent a year, right?"],
                "objection": "guarantee",
                "branches": [
                    {
                        "to": "others",
                        "intents": ["I can't guarantee returns; past performance doesn't predict the future."],
                        "keywords": ["can't guarantee", "cannot guarantee", "risk", "past performance"],
                    },
                    {
                        "to": "risk",
                        "intents": [
                            "How long can you leave the money invested, and how much fluctuation can you accept?"
                        ],
                        "keywords": ["how long", "fluctuation", "risk tolerance"],
                    },
                ],
            },
            {
                "id": "others",
                "lines": ["Other people promise guaranteed returns. Why won't you?"],
                "objection": "guarantee",
                "branches": [
                    {
                        "to": "risk",
                        "intents": ["Promising guaranteed returns isn't allowed; I'd rather be clear about the risks."],
                        "keywords": ["not allowed", "regulation", "be clear", "honest"],
                    }
                ],
            },
            {
                "id": "risk",
                "lines": ["I may need the money within a year to open a new shop. I can't afford to lose it."],
                "branches": [
                    {
                        "to": "close",
                        "intents": [
                            "Then a liquid, low-risk option fits better; please read the terms and the risk disclosure first."
                        ],
                        "keywords": ["liquid", "low-risk", "terms", "disclosure", "read"],
                    }
                ],
            },
            {"id": "close", "lines": ["OK, send me the documents and I'll get back to you."], "closing": True},
        ],
        "objections": [
            {
                "code": "guarantee",
                "label": "Guarantee my returns",
                "model_answer": "I understand you want certainty. I can't guarantee returns and past performance doesn't predict the future; let's look at when you need the money and how much risk you can take.",
                "points": [
                    "State clearly that returns cannot be guaranteed",
                    "Ask about time horizon and risk tolerance",
                ],
            }
        ],
        "key_points": [
            {
                "code": "no_promise",
                "canonical": "Say that returns cannot be guaranteed and there is risk",
                "examples": ["I can't guarantee any return", "This product carries risk"],
                "synonyms": [["returns", "return", "yield"]],
            },
            {
                "code": "suitability",
                "canonical": "Ask about the time horizon and risk tolerance",
                "examples": ["When will you need this money?", "How much loss could you accept?"],
                "synonyms": [["risk tolerance", "appetite for risk"]],
            },
            {
                "code": "documents",
                "canonical": "Suggest reading the contract terms and risk disclosure before deciding",
                "examples": ["Please read the terms first", "I'll send you the risk disclosure"],
                "synonyms": [["terms", "contract"]],
            },
        ],
        "rubric": {
            "pass_mark": 60,
            "weights": {
                "key_points": 35,
                "objections": 20,
                "compliance": 20,
                "discovery": 10,
                "empathy": 5,
                "conciseness": 5,
                "close": 5,
            },
        },
    },
}

SCENARIOS = [DISTRIBUTOR, TOO_EXPENSIVE, BANQUET, B2B, COMPLAINT, COMPLIANCE, TOO_EXPENSIVE_EN, COMPLIANCE_EN]
