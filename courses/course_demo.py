"""Demo courses, lessons and enrollments for `seed_demo` (our own words, Chinese first). Idempotent."""

import io

from django.core.files.base import ContentFile
from django.db import transaction
from reportlab.pdfgen import canvas

from courses.models import Category, Course, Lesson, Module, ModuleItem, Track
from trainees.models import User

# (title, category code, track code, minutes, self-enrol, certificate validity days, description, modules)
# A module is (title, [lesson titles]); lesson bodies are in LESSONS.
COURSES = [
    (
        "销售沟通基本功：听、问、说",
        "sales-skills",
        "essentials",
        45,
        True,
        365,
        "<p>面向新入职销售的第一门课：学会<strong>先听后说</strong>，用提问了解客户真正的需求。</p>",
        [("倾听与提问", ["让客户多说：倾听的三个层次", "开放式与封闭式提问"]), ("表达", ["三十秒介绍自己和公司"])],
    ),
    (
        "处理客户异议的五个步骤",
        "sales-skills",
        "b2b-advanced",
        60,
        True,
        None,
        "<p>价格太高、再考虑一下、已经有供应商了——常见异议背后是什么，如何一步步化解。</p>",
        [
            ("认识异议", ["异议是成交的信号"]),
            ("化解异议", ["五步法：认同、澄清、回应、确认、推进", "案例研讨：价格异议"]),
        ],
    ),
    (
        "产品知识：主力产品线速览",
        "product",
        "essentials",
        40,
        True,
        None,
        "<p>本公司主力产品线、卖点与适用范围，附产品手册下载。</p>",
        [("产品线", ["产品线与品牌一览", "三大卖点怎么讲"]), ("资料", ["产品手册（PDF）"])],
    ),
    (
        "读懂市场与行业周期",
        "market",
        "b2b-advanced",
        50,
        True,
        None,
        "<p>经济波动如何影响客户的采购行为，不同类型客户的采购政策与习惯。</p>",
        [
            ("宏观与行业", ["经济高涨与衰退期的采购差异"]),
            ("客户类型", ["渠道客户与工程客户的采购流程", "行业资讯来源（外部链接）"]),
        ],
    ),
    (
        "竞争对手分析实战",
        "competition",
        "b2b-advanced",
        45,
        False,
        730,
        "<p>比较我们与竞争对手在产品、价格、服务上的优势和劣势，形成一页纸对比表。</p>",
        [("收集信息", ["竞品信息从哪里来"]), ("对比与应对", ["一页纸竞品对比表", "尊重对手，讲清差异"])],
    ),
    (
        "走进公司：文化、制度与服务承诺",
        "company",
        "essentials",
        30,
        True,
        None,
        "<p>公司的历史与成就、报酬制度、允许和禁止的行为，以及我们对客户的服务承诺。</p>",
        [("公司与文化", ["我们的历史与价值观", "销售行为准则"])],
    ),
    (
        "时间与销售区域管理",
        "time-territory",
        "essentials",
        35,
        True,
        None,
        "<p>用拜访计划和销售地图减少浪费：每天拜访谁、先去哪里、如何复盘。</p>",
        [("时间管理", ["每日拜访计划", "当日工作小结"]), ("区域管理", ["销售地图与区域开拓"])],
    ),
    (
        "销售团队管理与辅导",
        "sales-skills",
        "elite",
        90,
        False,
        365,
        "<p>面向销售经理：设定业绩目标、开好晨会周会、一对一辅导与奖惩制度。</p>",
        [("目标与会议", ["量化业绩目标", "晨会、周会与月度会议"]), ("辅导", ["一对一辅导的四个问题"])],
    ),
    (
        "大客户经营：从关系到伙伴",
        "market",
        "elite",
        70,
        True,
        None,
        "<p>识别重点客户，建立多层次关系，把一次成交变成长期合作。</p>",
        [("识别与规划", ["重点客户识别", "客户经营计划"]), ("长期合作", ["异地客户的长期联系"])],
    ),
]

LESSONS = {
    "让客户多说：倾听的三个层次": "<h3>倾听的三个层次</h3><ol><li>听内容：客户说了什么；</li><li>听情绪：客户为什么这样说；</li><li>听需求：客户没有说出口的期待。</li></ol><p>练习：下一次拜访时，让客户说话的时间超过一半。</p>",
    "开放式与封闭式提问": "<p>开放式问题帮助了解情况（“您现在是怎么处理的？”），封闭式问题帮助确认（“周三送货可以吗？”）。</p><ul><li>先开放，后封闭；</li><li>一次只问一个问题。</li></ul>",
    "三十秒介绍自己和公司": "<p>用一句话说清楚：<em>我是谁、我们帮助什么样的客户、解决什么问题</em>。写下你的版本，对着镜子练三遍。</p>",
    "异议是成交的信号": "<p>客户提出异议，说明他在认真考虑。沉默的客户往往更难成交。</p>",
    "五步法：认同、澄清、回应、确认、推进": "<ol><li>认同感受，不急于反驳；</li><li>澄清真实原因；</li><li>用事实和案例回应；</li><li>确认客户是否满意；</li><li>推进到下一步。</li></ol>",
    "案例研讨：价格异议": "<p>客户说：“你们比别家贵百分之十。”请分组讨论：贵在哪里？值在哪里？如何把差价换算成客户的收益？</p>",
    "产品线与品牌一览": "<p>我们的产品分为三条产品线，各自面向不同的客户群。请记住每条产品线的代表型号和主要用途。</p>",
    "三大卖点怎么讲": "<p>卖点要用客户的语言讲：<strong>省钱、省心、省时间</strong>。每个卖点配一个真实案例。</p>",
    "经济高涨与衰退期的采购差异": "<p>经济高涨时客户更看重交付速度与产能；衰退期更看重价格与账期。调整你的沟通重点。</p>",
    "渠道客户与工程客户的采购流程": "<table><thead><tr><th>类型</th><th>决策人</th><th>周期</th></tr></thead><tbody><tr><td>渠道客户</td><td>老板</td><td>短</td></tr><tr><td>工程客户</td><td>采购、技术、财务</td><td>长</td></tr></tbody></table>",
    "竞品信息从哪里来": "<p>展会、客户反馈、公开报价、招投标信息。记录来源和日期，避免道听途说。</p>",
    "一页纸竞品对比表": "<p>列出产品、价格、服务、交付四项，每项写出我们的优势、劣势和应对话术。</p>",
    "尊重对手，讲清差异": "<p>不贬低竞争对手。讲清楚差异，让客户自己做判断。</p>",
    "我们的历史与价值观": "<p>“以人为本、开拓创新、诚信务实、追求卓越”。了解公司从哪里来，才能向客户讲好我们的故事。</p>",
    "销售行为准则": "<ul><li>诚信守诺，不做无法兑现的承诺；</li><li>遵守价格政策与合同条款；</li><li>保护客户信息。</li></ul>",
    "每日拜访计划": "<p>每天出发前写下：拜访几家、目标是什么、需要带哪些资料。把目标量化，例如“拜访十家，找到三家意向客户”。</p>",
    "当日工作小结": "<p>三个问题：今天完成了什么？遇到了什么问题？明天先做什么？</p>",
    "销售地图与区域开拓": "<p>在地图上标出核心市场与配角市场，按路线安排拜访，减少来回奔波。</p>",
    "量化业绩目标": "<p>目标要可衡量、可比较。让每位销售看到自己的长处和不足。</p>",
    "晨会、周会与月度会议": "<p>晨会汇报当天计划，周会总结业绩与下周计划，月会复盘与表彰。会议要短，要有结论。</p>",
    "一对一辅导的四个问题": "<ol><li>最近最顺利的一单是什么？</li><li>最卡的一单卡在哪里？</li><li>需要我支持什么？</li><li>下周你要练习什么？</li></ol>",
    "重点客户识别": "<p>按采购规模、增长潜力和合作意愿给客户打分，集中精力经营前百分之二十。</p>",
    "客户经营计划": "<p>为每个重点客户写一页经营计划：关键联系人、需求、机会、风险与下一步行动。</p>",
    "异地客户的长期联系": "<p>定期回访、节日问候、及时的售后响应，让远方的客户也感到被重视。</p>",
}
LINKS = {"行业资讯来源（外部链接）": "https://www.stats.gov.cn/"}
FILES = {"产品手册（PDF）"}


def _demo_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 760, "Product handbook (demo)")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _lesson(title: str, author) -> Lesson:
    lesson = Lesson.objects.filter(title=title).first()
    if lesson:
        return lesson
    if title in LINKS:
        return Lesson.objects.create(title=title, kind=Lesson.Kind.LINK, url=LINKS[title], created_by=author)
    if title in FILES:
        lesson = Lesson(title=title, kind=Lesson.Kind.FILE, file_name="产品手册.pdf", created_by=author)
        lesson.file.save("product-handbook.pdf", ContentFile(_demo_pdf()), save=False)
        lesson.save()
        return lesson
    return Lesson.objects.create(title=title, kind=Lesson.Kind.TEXT, body=LESSONS[title], created_by=author)


@transaction.atomic
def seed_courses() -> list[Course]:
    trainer = User.objects.filter(username="trainer").first()
    trainer2 = User.objects.filter(username="trainer2").first()
    categories = {c.code: c for c in Category.objects.all()}
    tracks = {t.code: t for t in Track.objects.all()}
    courses = []
    for i, (title, cat, track, minutes, self_enroll, valid, desc, modules) in enumerate(COURSES):
        course = Course.objects.filter(title=title).first()
        if course is None:
            course = Course.objects.create(
                title=title,
                category=categories.get(cat),
                track=tracks.get(track),
                estimated_minutes=minutes,
                self_enroll=self_enroll,
                certificate_valid_days=valid,
                description=desc,
                status=Course.Status.PUBLISHED,
            )
            owner = trainer if i % 3 else (trainer2 or trainer)
            if owner:
                course.owners.add(owner)
            if trainer and owner != trainer:
                course.owners.add(trainer)
            for m_order, (m_title, lesson_titles) in enumerate(modules, start=1):
                module = Module.objects.create(course=course, title=m_title, order=m_order)
                for l_order, lesson_title in enumerate(lesson_titles, start=1):
                    ModuleItem.objects.create(
                        course=course, module=module, lesson=_lesson(lesson_title, trainer), order=l_order
                    )
        courses.append(course)
    # The team-management course builds on the communication basics.
    if len(courses) >= 8:
        courses[7].prerequisites.add(courses[0])
    return courses


def demo_courses() -> list[Course]:
    """The demo courses, in the order of COURSES (those that exist)."""
    by_title = {c.title: c for c in Course.objects.filter(title__in=[row[0] for row in COURSES])}
    return [by_title[row[0]] for row in COURSES if row[0] in by_title]


def seed(*, stdout=None) -> None:
    courses = seed_courses()
    if stdout is not None:
        stdout.write(f"courses: {len(courses)} demo courses")
