"""The three training plan templates that ship with the product, and a published demo plan in progress.

The templates follow the shape of the sample plans in the seed article (a general six-day sales department
plan; a cable-products distributor's sales team; a hotel sales department in four stages), rewritten in our
own words. `seed` is idempotent: templates are matched by title and left alone once they exist, so trainers'
edits survive; the demo plan is moved so that today is always its third day.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from courses import plan_services
from courses.models import Category, Competency, Course, Method, Objective, Session, TrainingPlan
from trainees.models import Team, User

K, S, A = Objective.Kind.KNOWLEDGE, Objective.Kind.SKILL, Objective.Kind.ATTITUDE
AM1, AM2, PM1, PM2 = ("09:00", "10:30"), ("10:45", "12:00"), ("13:30", "15:00"), ("15:15", "17:00")

GENERAL = {
    "title": "销售部六日通用培训计划（模板）",
    "audience": "从事销售工作、对销售已有一定认识的一线销售人员；新入职销售可在老员工带领下参加。",
    "venue": "公司培训中心一号培训室",
    "equipment": "音响系统、投影仪、白板及白板笔、分组讨论桌",
    "description": "六天的课程覆盖六大培训内容类别：先认识企业和产品，再了解市场与竞争，最后集中练习销售技能和区域管理。"
    "讲授与案例、角色扮演、户外训练交替进行，每天留出练习和反馈的时间。",
    "days": 6,
    "objectives": [
        (K, "掌握企业、产品、市场和竞争对手的基本知识，能准确向客户介绍产品信息并收集市场情报。"),
        (S, "提升产品介绍与演示、需求挖掘、异议处理、谈判成交，以及市场调查与经销商支持等实际操作能力。"),
        (A, "理解并认同企业的经营理念和价值观，热爱销售工作，保持积极主动的工作热情。"),
    ],
    "sessions": [
        (1, AM1, "开班仪式：企业发展历程与成就", "company", "ethics", "lecture", "一号培训室"),
        (1, AM2, "企业文化、价值观与销售政策", "company", "ethics", "lecture", "一号培训室"),
        (1, PM1, "报酬制度、行为规范与付款违约条款解读", "company", "ethics", "case-study", "一号培训室"),
        (1, PM2, "团队破冰与协作训练", "company", "mindset", "outdoor", "户外拓展场地"),
        (2, AM1, "产品线与品牌总览", "product", "knowledge", "lecture", "一号培训室"),
        (2, AM2, "产品性能、用途与使用材料（视频演示）", "product", "knowledge", "audio-visual", "一号培训室"),
        (2, PM1, "产品展示与讲解演练", "product", "ability", "role-play", "二号研讨室"),
        (2, PM2, "常见故障原因与简易维护", "product", "knowledge", "case-study", "一号培训室"),
        (3, AM1, "行业现状与宏观经济对购买行为的影响", "market", "knowledge", "lecture", "一号培训室"),
        (3, AM2, "不同客户的采购政策与购买习惯", "market", "knowledge", "case-study", "二号研讨室"),
        (3, PM1, "主要竞争对手的产品、价格与服务", "competition", "knowledge", "lecture", "一号培训室"),
        (3, PM2, "我们的优势与劣势：对比研讨", "competition", "ability", "case-study", "二号研讨室"),
        (4, AM1, "销售中的聆听与表达", "sales-skills", "ability", "lecture", "一号培训室"),
        (4, AM2, "识别重点客户与潜在客户", "sales-skills", "ability", "case-study", "二号研讨室"),
        (4, PM1, "拜访前的准备与接近客户", "sales-skills", "ability", "audio-visual", "一号培训室"),
        (4, PM2, "首次拜访情景演练", "sales-skills", "ability", "role-play", "二号研讨室"),
        (5, AM1, "客户异议的类型与应对", "sales-skills", "mindset", "role-play", "二号研讨室"),
        (5, AM2, "谈判技巧与达成交易", "sales-skills", "ability", "role-play", "二号研讨室"),
        (5, PM1, "成交后的跟进与顾客服务", "sales-skills", "ethics", "case-study", "一号培训室"),
        (5, PM2, "市场销售预测方法", "sales-skills", "knowledge", "lecture", "一号培训室"),
        (6, AM1, "时间管理：制订有效的工作计划", "time-territory", "ability", "lecture", "一号培训室"),
        (6, AM2, "销售地图的使用与区域开拓、巩固", "time-territory", "ability", "case-study", "二号研讨室"),
        (6, PM1, "户外团队挑战", "time-territory", "mindset", "outdoor", "户外拓展场地"),
        (6, PM2, "结业考核与学习总结", "sales-skills", "mindset", "case-study", "一号培训室"),
    ],
}

CABLE = {
    "title": "线缆经销商销售团队培训计划（模板）",
    "audience": "线缆产品经销商的渠道销售与工程销售人员。",
    "venue": "经销商门店会议室及周边建材市场",
    "equipment": "产品样板、资料册、投影仪、白板",
    "description": "面向线缆产品经销商：先吃透产品卖点和公司的服务承诺，再打造有分工、有目标、有例会的销售团队，"
    "最后走进建材、电子和家装市场做开发、调查和渠道协作，并落实售后服务。",
    "days": 5,
    "objectives": [
        (K, "熟悉线缆产品的知识、优势卖点和适用范围，了解竞争对手的产品与价格。"),
        (S, "会做市场开发前的准备、目标市场定位和市场调查，能协助发展二级分销渠道。"),
        (A, "认同诚信经营的企业文化和品质方针，形成团队协作与积极服务的工作态度。"),
    ],
    "sessions": [
        (1, AM1, "线缆产品知识介绍", "product", "knowledge", "lecture", "门店会议室"),
        (1, AM2, "产品的优势卖点", "product", "knowledge", "audio-visual", "门店会议室"),
        (1, PM1, "产品适用范围与选型练习", "product", "ability", "case-study", "门店会议室"),
        (1, PM2, "企业文化与品质方针", "company", "ethics", "lecture", "门店会议室"),
        (2, AM1, "客户服务承诺与质量问题更换流程", "company", "ethics", "case-study", "门店会议室"),
        (2, AM2, "团队分工：渠道与工程", "time-territory", "ability", "lecture", "门店会议室"),
        (2, PM1, "业绩目标的设定与量化对比", "time-territory", "mindset", "case-study", "门店会议室"),
        (2, PM2, "晨会、周会、月会与奖惩制度", "company", "ethics", "lecture", "门店会议室"),
        (3, AM1, "市场开发前的准备：样板、资料与拜访量化", "sales-skills", "ability", "lecture", "门店会议室"),
        (3, AM2, "目标市场定位与市场类型甄别", "market", "knowledge", "case-study", "门店会议室"),
        (3, PM1, "走访建材市场", "market", "ability", "outdoor", "建材市场"),
        (4, AM1, "市场调查：竞争对手价格与营销模式", "competition", "knowledge", "case-study", "门店会议室"),
        (4, AM2, "大型商户走访与核心客户的确立", "sales-skills", "ability", "role-play", "门店会议室"),
        (4, PM1, "协助开发下游分销渠道", "market", "ability", "case-study", "门店会议室"),
        (4, PM2, "广告投放、门头与展示架支持", "market", "knowledge", "lecture", "门店会议室"),
        (5, AM1, "售后服务：产品推荐与畅销品主推", "sales-skills", "ethics", "role-play", "门店会议室"),
        (5, AM2, "产品陈列与形象展示", "product", "ability", "outdoor", "合作门店"),
        (5, PM1, "市场方案的落实与复盘", "time-territory", "mindset", "case-study", "门店会议室"),
    ],
}

HOTEL = {
    "title": "酒店销售部新员工培训计划（模板）",
    "audience": "酒店销售部新入职的销售人员。",
    "venue": "酒店行政楼培训室、宴会厅及客户所在地",
    "equipment": "投影仪、酒店宣传资料、宴会菜单与报价模板、销售系统终端",
    "description": "分四个阶段：店内了解、宴会销售、市内拜访客户、异地拜访客户。前两个阶段在酒店内完成，"
    "后两个阶段由资深销售带领外出拜访，每天做工作小结。",
    "days": 5,
    "objectives": [
        (K, "熟悉酒店的员工手册、产品、房型、价格体系和销售部的规章制度。"),
        (S, "能独立完成电话预约、拜访计划、宴会与会议报价、EO通知单下发和客户跟进。"),
        (A, "树立良好的仪容仪表和服务意识，主动与同事及其他部门沟通协作。"),
    ],
    "sessions": [
        (1, AM1, "【店内了解】员工手册、酒店文化与仪容仪表", "company", "ethics", "lecture", "行政楼培训室"),
        (1, AM2, "【店内了解】参观客房、餐厅及相关设施", "product", "knowledge", "outdoor", "酒店各区域"),
        (1, PM1, "【店内了解】销售部规章制度与组织结构", "company", "ethics", "lecture", "行政楼培训室"),
        (1, PM2, "【店内了解】价格体系、房型配置与会议室租金", "product", "knowledge", "case-study", "行政楼培训室"),
        (
            2,
            AM1,
            "【店内了解】销售理念与客户沟通（含电话用语）",
            "sales-skills",
            "ability",
            "role-play",
            "行政楼培训室",
        ),
        (2, AM2, "【店内了解】销售系统终端：入住客人与VIP客户", "company", "knowledge", "audio-visual", "行政楼培训室"),
        (2, PM1, "【店内了解】合同与会议书面报价的制作", "sales-skills", "knowledge", "case-study", "行政楼培训室"),
        (3, AM1, "【宴会销售】宴会菜单与会议摆台方式", "product", "knowledge", "audio-visual", "宴会厅"),
        (3, AM2, "【宴会销售】对手酒店宴会信息与市场变化", "competition", "knowledge", "case-study", "行政楼培训室"),
        (3, PM1, "【宴会销售】开发与跟进潜在客户、电话拜访", "sales-skills", "ability", "role-play", "行政楼培训室"),
        (3, PM2, "【宴会销售】EO通知单与跨部门协调", "company", "ability", "case-study", "行政楼培训室"),
        (4, AM1, "【市内拜访】电话预约、自我介绍与拜访计划", "time-territory", "ability", "role-play", "行政楼培训室"),
        (4, AM2, "【市内拜访】随资深销售拜访客户", "sales-skills", "mindset", "outdoor", "客户所在地"),
        (4, PM1, "【市内拜访】会议承接条件与操作流程", "market", "knowledge", "lecture", "行政楼培训室"),
        (4, PM2, "【市内拜访】当日工作小结", "time-territory", "mindset", "case-study", "行政楼培训室"),
        (5, AM1, "【异地拜访】异地拜访计划与出差费用", "time-territory", "ability", "lecture", "行政楼培训室"),
        (5, AM2, "【异地拜访】首次拜访异地客户演练", "sales-skills", "ability", "role-play", "行政楼培训室"),
        (5, PM1, "【异地拜访】与异地客户保持长期联系", "market", "mindset", "case-study", "行政楼培训室"),
    ],
}

TEMPLATES = (GENERAL, CABLE, HOTEL)
DEMO_PLAN_TITLE = "上海销售部一组 销售技能提升培训"


def _time(value: str) -> dt.time:
    hour, minute = value.split(":")
    return dt.time(int(hour), int(minute))


def template_create(*, data: dict) -> TrainingPlan:
    """Create one shipped template (no owners: every trainer reads and clones it, admins edit it)."""
    categories = {c.code: c for c in Category.objects.all()}
    competencies = {c.code: c for c in Competency.objects.all()}
    methods = {m.code: m for m in Method.objects.all()}
    plan = TrainingPlan.objects.create(
        title=data["title"],
        audience=data["audience"],
        venue=data["venue"],
        equipment=data["equipment"],
        description=data["description"],
        days=data["days"],
        is_template=True,
    )
    Objective.objects.bulk_create(
        Objective(plan=plan, kind=kind, text=text, order=i) for i, (kind, text) in enumerate(data["objectives"], 1)
    )
    Session.objects.bulk_create(
        Session(
            plan=plan,
            day=day,
            start_time=_time(start),
            end_time=_time(end),
            title=title,
            category=categories.get(category),
            competency=competencies.get(competency),
            method=methods.get(method),
            room=room,
        )
        for day, (start, end), title, category, competency, method, room in data["sessions"]
    )
    return plan


@transaction.atomic
def seed_templates() -> list[TrainingPlan]:
    plans = []
    for data in TEMPLATES:
        plan = TrainingPlan.objects.filter(is_template=True, title=data["title"]).first()
        plans.append(plan or template_create(data=data))
    return plans


def demo_team_a() -> Team | None:
    """The demo team that takes part in the demo plan (learning/'s demo enrolls it)."""
    return (
        Team.objects.filter(full_name="华东区/上海销售部/一组").first()
        or Team.objects.filter(name="一组", parent__name="上海销售部").first()
    )


def demo_plan() -> TrainingPlan | None:
    return TrainingPlan.objects.filter(title=DEMO_PLAN_TITLE, is_template=False).first()


@transaction.atomic
def seed(*, stdout=None) -> None:
    templates = seed_templates()
    trainer = User.objects.filter(username="trainer").first()
    trainer2 = User.objects.filter(username="trainer2").first()
    team_a = demo_team_a()
    if trainer is None:
        return
    start = timezone.localdate() - dt.timedelta(days=2)
    plan = TrainingPlan.objects.filter(title=DEMO_PLAN_TITLE, is_template=False).first()
    if plan is None:
        plan = plan_services.plan_clone(plan=templates[0], user=trainer, start_date=start, title=DEMO_PLAN_TITLE)
        plan.audience = "上海销售部一组全体销售人员"
        plan.save(update_fields=["audience"])
        if trainer2 is not None:
            plan.owners.add(trainer2)
        sessions = list(plan.sessions.order_by("day", "start_time"))
        for i, s in enumerate(sessions):
            if s.method and s.method.code == "outdoor":
                s.trainer_name = "外聘拓展教练 刘老师"
            else:
                s.trainer = trainer if i % 2 == 0 else (trainer2 or trainer)
        # Pre-work: link a session to a published course of its category, where the catalogue has one.
        courses = {}
        for course in Course.objects.filter(status=Course.Status.PUBLISHED).order_by("id"):
            courses.setdefault(course.category_id, course)
        for s in sessions:
            if s.course_id is None and s.category_id in courses and s.day <= 2:
                s.course = courses[s.category_id]
        Session.objects.bulk_update(sessions, ["trainer", "trainer_name", "course"])
        if team_a is not None:
            plan.teams.add(team_a)
        plan_services.plan_publish(plan=plan, user=trainer)
    elif plan.start_date != start:
        # Keep the demo "in progress" whenever it is loaded: today is always day 3.
        plan.start_date = start
        plan.save(update_fields=["start_date", "updated_at"])
    if stdout is not None:
        stdout.write(f"Training plans: {len(templates)} templates, demo plan “{plan.title}” starting {plan.start_date}")
