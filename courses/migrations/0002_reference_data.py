"""The reference data every installation starts with; trainers may edit it afterwards."""

from django.db import migrations

CATEGORIES = [
    ("sales-skills", "销售技能和推销技巧", "Sales skills & techniques",
     "沟通、需求挖掘、异议处理、谈判与成交。", "Communication, discovery, objection handling, negotiation and closing."),
    ("product", "产品知识", "Product knowledge",
     "产品的性能、用途、优势与使用方法。", "What the products do, how they are used and why they are better."),
    ("market", "市场与产业知识", "Market & industry",
     "行业趋势、客户类型与购买习惯。", "Industry trends, customer types and buying habits."),
    ("competition", "竞争知识", "Competition",
     "竞争对手的产品、价格与策略，以及我们的差异。", "Competitors' products, prices and strategy, and how we differ."),
    ("company", "企业知识", "Company",
     "企业历史、文化、制度与服务流程。", "The company's history, culture, policies and service processes."),
    ("time-territory", "时间和销售区域管理", "Time & territory management",
     "拜访计划、区域规划与时间安排。", "Call planning, territory planning and managing one's time."),
]
COMPETENCIES = [
    ("ethics", "品德素质", "Ethics", "诚信、责任与合规。", "Integrity, responsibility and compliance."),
    ("ability", "能力素质", "Ability", "沟通、表达、应变等能力。", "Communication, presentation and adaptability."),
    ("knowledge", "知识素质", "Knowledge", "产品、市场与专业知识。", "Product, market and professional knowledge."),
    ("mindset", "心理素质", "Mindset", "抗压、自信与积极心态。", "Resilience, confidence and a positive attitude."),
]
TRACKS = [
    ("essentials", "销售普适系列", "Essentials", "面向所有销售人员的基础课程。", "Foundations for every salesperson."),
    ("b2b-advanced", "B2B进阶系列", "B2B advanced", "面向大客户与企业销售的进阶课程。", "Advanced courses for key-account and B2B selling."),
    ("elite", "精英课程", "Elite / manager", "面向销售精英与管理层。", "For top performers and sales managers."),
]
METHODS = [
    ("lecture", "讲授法", "Lecture",
     "适合传授概念、制度与产品知识，一次面向多人。", "Suits concepts, policies and product knowledge for many people at once.",
     "成本低、效率高；学员参与少，反馈慢。", "Low cost and efficient; little participation and slow feedback."),
    ("case-study", "个案研讨法", "Case study",
     "适合分析真实销售案例，培养判断与解决问题的能力。", "Suits analysing real sales cases to build judgement and problem solving.",
     "准备案例需要时间；讨论充分，反馈及时。", "Cases take time to prepare; rich discussion and prompt feedback."),
    ("audio-visual", "视听技术法", "Audio-visual",
     "适合用视频、幻灯片展示产品与示范话术。", "Suits showing products and model conversations with video and slides.",
     "制作成本较高，可重复使用；反馈有限。", "Costly to produce but reusable; limited feedback."),
    ("role-play", "角色扮演法", "Role play",
     "适合练习拜访、异议处理与成交等真实场景。", "Suits rehearsing calls, objection handling and closing.",
     "需要引导者与时间；参与度高，反馈直接。", "Needs a facilitator and time; high involvement and direct feedback."),
    ("outdoor", "户外活动训练法", "Outdoor",
     "适合团队协作、心理素质与意志力训练。", "Suits teamwork, resilience and willpower.",
     "场地与安全成本高；体验深刻，效果持久。", "Venue and safety costs are high; a deep, lasting experience."),
]


def load(apps, schema_editor):
    for model_name, rows in (("Category", CATEGORIES), ("Competency", COMPETENCIES), ("Track", TRACKS)):
        model = apps.get_model("courses", model_name)
        for order, (code, zh, en, dzh, den) in enumerate(rows, start=1):
            model.objects.update_or_create(
                code=code,
                defaults={"name_zh": zh, "name_en": en, "description_zh": dzh, "description_en": den, "order": order},
            )
    Method = apps.get_model("courses", "Method")
    for order, (code, zh, en, dzh, den, tzh, ten) in enumerate(METHODS, start=1):
        Method.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": zh, "name_en": en, "description_zh": dzh, "description_en": den,
                "trade_off_zh": tzh, "trade_off_en": ten, "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
